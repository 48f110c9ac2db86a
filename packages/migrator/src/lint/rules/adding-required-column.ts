import { addRequiredColumn, requiredColumn } from '../../operations/add-required-column.js';
import { bodyOf, list, qualified, stringValue, type AlterTableCmd, type ColumnDef, type Constraint } from '../../sql/ast.js';
import { quoteIdent } from '../../sql/quote.js';
import { SourceText } from '../../sql/source-text.js';
import { statementSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatement, LintStatementOf, RuleContext } from '../types.js';
import { applyEdits, columnAddedInFile, cutRange, itemEnd, sqlTokens, existingTableAltered } from './breaking-helpers.js';
import { newCommand, planHelp, tableOfKey, VALUE_PLACEHOLDER } from './operation-helpers.js';
import { alterCommands, OwnStatement, typeLabel } from './rewrites-helpers.js';

/**
 * ADD COLUMN ... NOT NULL (or PRIMARY KEY) with nothing to fill it in fails with "column contains
 * null values" as soon as the table has a row, and once it exists, every INSERT of the running
 * app (which does not know the column) fails with a not-null violation. A DEFAULT, a serial or
 * identity column and a generated column are filled in; a DEFAULT NULL is not.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-COLUMN
 */
export const addingRequiredColumn = {
  id: 'adding-required-column',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a NOT NULL column without a default',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { pgVersion } = context;
    const altered = existingTableAltered(context);
    if (!altered) return undefined;
    const { table, statement } = altered;
    const findings: Finding[] = [];
    for (const cmd of alterCommands(statement.body)) {
      const def = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
      if (!def || typeof def.colname !== 'string' || !requiredWithoutDefault(def)) continue;
      // ADD COLUMN IF NOT EXISTS of a column that is already there does nothing.
      if (cmd.missing_ok && (context.knowledge.columnType(table, def.colname) || columnAddedInFile(context, table, def.colname))) continue;
      const column = def.colname;
      const name = qualified(statement.body.relation);
      const primary = constraintsOf(def).some((c) => c.contype === 'CONSTR_PRIMARY');
      const edits = editedColumn(statement, column);
      const constant = constantDefaultOption(primary, pgVersion, edits);
      findings.push({
        message: `Adding ${primary ? 'PRIMARY KEY' : 'NOT NULL'} column ${column} without a default fails on ${name} if it has rows, and INSERTs from the running app that leave it out fail.`,
        help: `${recipe(context, table, statement, cmd, def, primary)}${constant}`,
      });
    }
    return findings;
  },
} satisfies LintRule;

/**
 * The add-required-column operation's plan for the column: added nullable, the existing rows
 * filled in batches, then NOT NULL proved by a CHECK validated without blocking writes. A
 * PRIMARY KEY column also needs its index, which no operation builds: that step follows the plan.
 */
function recipe(context: RuleContext, key: string, statement: LintStatementOf<'AlterTableStmt'>, cmd: AlterTableCmd, def: ColumnDef, primary: boolean): string {
  const table = tableOfKey(key);
  const column = def.colname ?? '?';
  const type = writtenType(statement, alterCommands(statement.body).indexOf(cmd)) ?? columnTypeLabel(def);
  const plan = addRequiredColumn.plan(requiredColumn(table, { column, type, default: null, backfill: VALUE_PLACEHOLDER, exists: false }));
  const notes: string[] = [];
  const others = otherClauses(def).map(({ clause, kind }) => `its ${clause} clause after it${kind ? ` (\`sdk db new ${kind}\`)` : ''}`);
  if (alterCommands(statement.body).length > 1) others.push("the statement's other changes in a migration of their own");
  if (others.length > 0) notes.push(`The plan adds the column alone: add ${others.join(', and ')}.`);
  if (context.pgVersion < 12) notes.push(`PostgreSQL ${context.pgVersion} still reads the whole table for set not null, under ACCESS EXCLUSIVE, even with the validated check (PostgreSQL 12 and later use it instead).`);
  if (primary) {
    // No operation builds a primary key: the index is built concurrently and attached, as the recipe always said.
    const index = quoteIdent(`${table.name}_pkey`);
    notes.push(`Then build the key's index without blocking writes and attach it: \`CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table.sql} (${quoteIdent(column)});\`, then \`ALTER TABLE ${table.sql} ADD CONSTRAINT ${index} PRIMARY KEY USING INDEX ${index};\`.`);
  }
  return planHelp({
    intro: 'Instead, add the column nullable, fill it, then make it NOT NULL without a long lock',
    plan,
    command: newCommand('add-required-column', table, [column], { type, backfill: VALUE_PLACEHOLDER }),
    notes,
  });
}

/** The column's type as the statement writes it (`varchar(20)`, `"auth"."mood"`), up to its first constraint. */
function writtenType(statement: LintStatement, index: number): string | undefined {
  const own = OwnStatement.of(statement.sql, statement.node);
  const def = bodyOf(own ? list(own.bodyOf('AlterTableStmt')?.cmds).map((c) => bodyOf(c, 'AlterTableCmd'))[index]?.def : undefined, 'ColumnDef');
  const start = own?.at(def?.typeName?.location);
  if (!own || !def || start === undefined) return undefined;
  // A COLLATE written before the constraints is part of the type as ADD COLUMN takes it.
  const end = own.clauseEnd(start, [], Math.min(own.sql.length, ...own.constraintSpans(def).map((s) => s.start)));
  const text = own.sql.slice(start, end).trim();
  return text || undefined;
}

/** The column's type from the parse tree, when its text cannot be cut out of the statement. */
function columnTypeLabel(def: ColumnDef): string {
  const names = list(def.typeName?.names).map((n) => stringValue(n) ?? '?');
  const typmods = list(def.typeName?.typmods).map((m) => bodyOf(m, 'A_Const')?.ival?.ival ?? 0);
  const name = names.filter((n) => n !== 'pg_catalog').join('.');
  return typeLabel({ name, typmods, array: list(def.typeName?.arrayBounds).length > 0 });
}

/** The column clauses the plan leaves out, and the operation that adds each one. */
const CLAUSES: Partial<Record<NonNullable<Constraint['contype']>, { clause: string; kind?: string }>> = {
  CONSTR_CHECK: { clause: 'CHECK', kind: 'add-check' },
  CONSTR_UNIQUE: { clause: 'UNIQUE', kind: 'add-unique' },
  CONSTR_FOREIGN: { clause: 'REFERENCES', kind: 'add-foreign-key' },
  CONSTR_EXCLUSION: { clause: 'EXCLUDE' },
};

/** The column's clauses the plan leaves out (its NOT NULL, PRIMARY KEY and DEFAULT NULL are what it replaces). */
function otherClauses(def: ColumnDef): { clause: string; kind?: string | undefined }[] {
  const found = constraintsOf(def).flatMap((c) => (c.contype && CLAUSES[c.contype] ? [CLAUSES[c.contype]!] : []));
  return [...new Set(found)];
}

/**
 * The one-statement alternative: a constant DEFAULT fills the existing rows from the catalog
 * without a rewrite on PostgreSQL 11+. Not for a primary key, where every row would get the same value.
 */
function constantDefaultOption(primary: boolean, pgVersion: number, withDefault: string | undefined): string {
  if (primary) return '';
  if (pgVersion < 11) return '\n(A DEFAULT does not help here before PostgreSQL 11: it rewrites the whole table under ACCESS EXCLUSIVE.)';
  if (!withDefault) return '';
  return `\nOr, when one value suits every existing row, give it a constant default, which is instant on PostgreSQL 11+: \`${statementSql(withDefault)}\`.`;
}

function constraintsOf(def: ColumnDef): Constraint[] {
  return list(def.constraints).flatMap((c): Constraint[] => {
    const constraint = bodyOf(c, 'Constraint');
    return constraint ? [constraint] : [];
  });
}

const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** NOT NULL or PRIMARY KEY, and nothing that fills in the existing rows and the app's INSERTs. */
function requiredWithoutDefault(def: ColumnDef): boolean {
  const constraints = constraintsOf(def);
  const required = constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
  const typeName = (stringValue(list(def.typeName?.names).at(-1)) ?? '').toLowerCase();
  const filled =
    SERIAL.has(typeName) ||
    constraints.some(
      (c) =>
        c.contype === 'CONSTR_IDENTITY' ||
        c.contype === 'CONSTR_GENERATED' ||
        (c.contype === 'CONSTR_DEFAULT' && bodyOf(c.raw_expr, 'A_Const')?.isnull !== true),
    );
  return required && !filled;
}

/** A constant that suits the type, for the DEFAULT option; a placeholder when none is obvious. */
function sampleDefault(def: ColumnDef): string {
  const typeName = def.typeName;
  if (list(typeName?.arrayBounds).length > 0) return "'{}'";
  const name = (stringValue(list(typeName?.names).at(-1)) ?? '').toLowerCase();
  if (['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'smallint', 'integer', 'int', 'bigint', 'decimal', 'real'].includes(name)) return '0';
  if (name === 'bool' || name === 'boolean') return 'false';
  if (['text', 'varchar', 'bpchar', 'citext'].includes(name)) return "''";
  if (name === 'jsonb' || name === 'json') return "'{}'";
  if (['timestamptz', 'timestamp', 'date'].includes(name)) return 'now()';
  return '<value>';
}

/**
 * The user's statement with a DEFAULT placed before the column's NOT NULL (a DEFAULT NULL the user
 * wrote goes). The edit follows the re-parsed constraint locations, so other columns of a
 * multi-column ALTER TABLE stay as they are.
 */
function editedColumn(statement: LintStatement, column: string): string | undefined {
  const { sql } = statement;
  const own = OwnStatement.of(sql, statement.node);
  const def = list(own?.bodyOf('AlterTableStmt')?.cmds)
    .map((item) => bodyOf(item, 'AlterTableCmd'))
    .filter((cmd) => cmd?.subtype === 'AT_AddColumn')
    .map((cmd) => bodyOf(cmd?.def, 'ColumnDef'))
    .find((d) => d?.colname === column);
  const location = own?.position(def?.location);
  if (!own || !def || typeof location !== 'number') return undefined;
  const source = new SourceText(sql);
  const tokens = sqlTokens(sql);
  const at = (c: Constraint) => source.charFromByte(own.position(c.location) ?? 0);
  const constraints = constraintsOf(def);
  const columnEnd = itemEnd(tokens, source.charFromByte(location));
  // Each constraint runs from its location to the next constraint's, or to the end of the column.
  const spans = constraints.map((c, i) => ({ c, from: at(c), to: constraints[i + 1] ? at(constraints[i + 1]!) : columnEnd }));
  // Every edit is placed in the original text, with its one token list.
  const removal = (span: { from: number; to: number }) => {
    const range = cutRange(tokens, span.from, span.to);
    return range ? [{ ...range, text: '' }] : [];
  };
  const first = spans.find((s) => s.c.contype === 'CONSTR_NOTNULL' || s.c.contype === 'CONSTR_PRIMARY');
  if (!first) return undefined;
  const nullDefaults = spans.filter((s) => s.c.contype === 'CONSTR_DEFAULT').flatMap(removal);
  return applyEdits(sql, [{ start: first.from, end: first.from, text: `DEFAULT ${sampleDefault(def)} ` }, ...nullDefaults]);
}
