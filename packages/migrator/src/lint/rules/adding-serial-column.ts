import { bodyOf, identityKind, list, qualified, relationKey, relationOf, stringValue, type ColumnDef } from '../../sql/ast.js';
import { columnType } from '../knowledge.js';
import { describeLock } from '../locks.js';
import { ident } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, altersTable, backfillStep, notNullSteps, numbered, OwnStatement, sqlNames, typeLabel, uniqueIndexStep } from './rewrites-helpers.js';

/**
 * A serial column's default is nextval(), and an identity column is filled from its sequence:
 * both are volatile, so ADD COLUMN computes a value for every existing row, rewriting the table
 * under ACCESS EXCLUSIVE, on every PostgreSQL version.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 * https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL
 */
export const addingSerialColumn = {
  id: 'adding-serial-column',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a serial or identity column to an existing table',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (!altersTable(statement) || !alterCommands(statement.body).some((cmd) => cmd.subtype === 'AT_AddColumn')) return undefined;
    if (context.isNewTable(relationKey(statement.body.relation))) return undefined;
    // Only a statement that rewrites the table can be reported.
    if (!statement.effects.some((e) => e.rewrite)) return undefined;
    const findings: Finding[] = [];
    for (const cmd of alterCommands(statement.body)) {
      const def = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
      const kind = def ? serialKind(def) : undefined;
      // The statement is re-parsed (once, shared by the rules) only to word a finding.
      if (def && kind) findings.push(finding(context, def, kind, OwnStatement.of(statement.sql, statement.node)));
    }
    return findings;
  },
} satisfies LintRule;

/** The integer type each serial pseudo-type stands for. */
const SERIAL_TYPES: Record<string, string> = {
  smallserial: 'smallint', serial2: 'smallint', serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint',
};

type Kind = { serial: string } | { identity: 'ALWAYS' | 'BY DEFAULT' };

function serialKind(def: ColumnDef): Kind | undefined {
  const type = (stringValue(list(def.typeName?.names).at(-1)) ?? '').toLowerCase();
  if (SERIAL_TYPES[type]) return { serial: type };
  const identity = list(def.constraints).map((c) => bodyOf(c, 'Constraint')).find((c) => c?.contype === 'CONSTR_IDENTITY');
  return identity ? { identity: identityKind(identity) === 'a' ? 'ALWAYS' : 'BY DEFAULT' } : undefined;
}

function finding(context: RuleContext, def: ColumnDef, kind: Kind, own: OwnStatement | undefined): Finding {
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  const columnName = def.colname ?? '?';
  const what = 'serial' in kind ? `as ${kind.serial}` : `GENERATED ${kind.identity} AS IDENTITY`;
  const source = 'serial' in kind ? 'a new sequence' : 'its identity sequence';
  return {
    message: `Adding ${name}.${columnName} ${what} rewrites the whole table: PostgreSQL fills every existing row from ${source} while every query on ${name} waits, which takes minutes on a big table.`,
    lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite ends`,
    help: `Instead, fill it in steps:\n${recipe(context, def, kind, own)}`,
  };
}

/** Plain column, a sequence default for new rows, a batched backfill, then NOT NULL (and the key or identity). */
function recipe(context: RuleContext, def: ColumnDef, kind: Kind, own: OwnStatement | undefined): string {
  const relation = relationOf(context.statement) ?? {};
  // The re-parsed relation: the engine's RangeVar counts its location from the start of the file.
  const names = sqlNames(own, own?.rangeVar ?? relation);
  const columnName = def.colname ?? '?';
  const column = names.column(columnName);
  const declared = columnType(def.typeName);
  const type = 'serial' in kind ? SERIAL_TYPES[kind.serial]! : declared ? typeLabel(declared) : 'bigint';
  const schema = typeof relation.schemaname === 'string' ? relation.schemaname : undefined;
  const sequenceName = `${String(relation.relname)}_${columnName}_seq`;
  const sequenceSql = names.sibling(`_${columnName}_seq`);
  const regclass = `'${(schema ? `${ident(schema)}.${ident(sequenceName)}` : ident(sequenceName)).replace(/'/g, "''")}'`;
  const contypes = list(def.constraints).map((c) => bodyOf(c, 'Constraint')?.contype);
  const table = String(relation.relname);

  const steps = [
    `Add a plain column: \`ALTER TABLE ${names.table} ADD COLUMN ${column} ${type};\``,
    `Create its sequence and give new rows their value from it (catalog changes, no rewrite): \`CREATE SEQUENCE ${sequenceSql} AS ${type} OWNED BY ${names.table}.${column};\` and \`ALTER TABLE ${names.table} ALTER COLUMN ${column} SET DEFAULT nextval(${regclass});\``,
    backfillStep(names.table, `${column} = nextval(${regclass})`, `${column} IS NULL`),
    ...notNullSteps(context.pgVersion, names.table, column, columnName),
  ];
  if (contypes.includes('CONSTR_PRIMARY') || contypes.includes('CONSTR_UNIQUE')) {
    steps.push(uniqueIndexStep(names, table, column, columnName, contypes.includes('CONSTR_PRIMARY')));
  }
  if ('identity' in kind) {
    steps.push(
      `To make it an identity column once it is NOT NULL: \`ALTER TABLE ${names.table} ALTER COLUMN ${column} DROP DEFAULT, ALTER COLUMN ${column} ADD GENERATED ${kind.identity} AS IDENTITY (START WITH n);\` ` +
        `with n above the largest value (a catalog change), then \`DROP SEQUENCE ${sequenceSql};\`.`,
    );
  }
  return numbered(steps);
}
