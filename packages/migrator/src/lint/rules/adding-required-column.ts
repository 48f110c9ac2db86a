import { bodyOf, list, qualified, stringValue, type ColumnDef, type Constraint } from '../../sql/ast.js';
import { SourceText } from '../../sql/source-text.js';
import { statementSql } from '../rewrite.js';
import type { Finding, LintRule } from '../types.js';
import { BACKFILL_HOW, backfillCommand } from './backfill-helpers.js';
import { applyEdits, columnAddedInFile, cutRange, identLike, itemEnd, relationLike, relationText, reparsedBody, sqlTokens, existingTableAltered } from './breaking-helpers.js';

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
  check(context) {
    const { pgVersion } = context;
    const altered = existingTableAltered(context);
    if (!altered) return undefined;
    const { table, statement } = altered;
    const findings: Finding[] = [];
    for (const item of list(statement.body.cmds)) {
      const cmd = bodyOf(item, 'AlterTableCmd');
      const def = cmd?.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
      if (!def || typeof def.colname !== 'string' || !requiredWithoutDefault(def)) continue;
      // ADD COLUMN IF NOT EXISTS of a column that is already there does nothing.
      if (cmd?.missing_ok && (context.knowledge.columnType(table, def.colname) || columnAddedInFile(context, table, def.colname))) continue;
      const column = def.colname;
      const name = qualified(statement.body.relation);
      const primary = constraintsOf(def).some((c) => c.contype === 'CONSTR_PRIMARY');
      const edits = editedColumn(statement.sql, column);
      const tableText = relationText(statement.sql, table);
      const t = relationLike(table, tableText);
      const c = identLike(column, tableText);
      const bare = table.split('.')[1]!;
      const check = identLike(`${bare}_${column}_not_null`, tableText);
      const steps = [
        `Add it nullable${edits?.nullable ? `: \`${statementSql(edits.nullable)}\`` : ''}, and apply that with \`pnpm sdk db migrate --phase expand\`.`,
        'Deploy the app version that writes it.',
        `Backfill the existing rows: \`${backfillCommand({ table: t, set: `${c} = <value>`, where: `${c} IS NULL` })}\` (${BACKFILL_HOW}).`,
        `In a later migration, check new writes only: \`ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID;\`.`,
        `In the migration after that, \`ALTER TABLE ${t} VALIDATE CONSTRAINT ${check};\` (reads every row without blocking writes), then \`ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;\` ${
          pgVersion >= 12 ? '(which then skips its full-table scan)' : '(PostgreSQL 11 and older still scan the table here, under ACCESS EXCLUSIVE)'
        } and drop the check.`,
      ];
      if (primary) {
        const index = identLike(`${bare}_pkey`, tableText);
        steps.push(`Build the key's index without blocking writes and attach it: \`CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${t} (${c});\`, then \`ALTER TABLE ${t} ADD CONSTRAINT ${index} PRIMARY KEY USING INDEX ${index};\`.`);
      }
      const constant = constantDefaultOption(primary, pgVersion, edits?.withDefault);
      findings.push({
        message: `Adding ${primary ? 'PRIMARY KEY' : 'NOT NULL'} column ${column} without a default fails on ${name} if it has rows, and INSERTs from the running app that leave it out fail.`,
        help: `Instead:\n${steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}${constant}`,
      });
    }
    return findings;
  },
} satisfies LintRule;

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
 * The user's statement with the column made nullable (its NOT NULL and PRIMARY KEY removed), and
 * with a DEFAULT placed before its NOT NULL. Edits follow the re-parsed constraint locations, so
 * other columns of a multi-column ALTER TABLE stay as they are.
 */
function editedColumn(sql: string, column: string): { nullable?: string; withDefault?: string } | undefined {
  const body = reparsedBody(sql, 'AlterTableStmt');
  const def = list(body?.cmds)
    .map((item) => bodyOf(item, 'AlterTableCmd'))
    .filter((cmd) => cmd?.subtype === 'AT_AddColumn')
    .map((cmd) => bodyOf(cmd?.def, 'ColumnDef'))
    .find((d) => d?.colname === column);
  if (!def || typeof def.location !== 'number') return undefined;
  const source = new SourceText(sql);
  const tokens = sqlTokens(sql);
  const at = (c: Constraint) => source.charFromByte(c.location ?? 0);
  const constraints = constraintsOf(def);
  const columnEnd = itemEnd(tokens, source.charFromByte(def.location));
  // Each constraint runs from its location to the next constraint's, or to the end of the column.
  const spans = constraints.map((c, i) => ({ c, from: at(c), to: constraints[i + 1] ? at(constraints[i + 1]!) : columnEnd }));
  // Every edit is placed in the original text, with its one token list.
  const removal = (span: { from: number; to: number }) => {
    const range = cutRange(tokens, span.from, span.to);
    return range ? [{ ...range, text: '' }] : [];
  };
  const removed = spans.filter((s) => s.c.contype === 'CONSTR_NOTNULL' || s.c.contype === 'CONSTR_PRIMARY');
  const nullable = applyEdits(sql, removed.flatMap(removal));
  const first = removed[0];
  let withDefault: string | undefined;
  if (first) {
    // A DEFAULT NULL written by the user goes: the inserted default replaces it.
    const nullDefaults = spans.filter((s) => s.c.contype === 'CONSTR_DEFAULT').flatMap(removal);
    withDefault = applyEdits(sql, [{ start: first.from, end: first.from, text: `DEFAULT ${sampleDefault(def)} ` }, ...nullDefaults]);
  }
  return { nullable: removed.length ? nullable : undefined, withDefault };
}
