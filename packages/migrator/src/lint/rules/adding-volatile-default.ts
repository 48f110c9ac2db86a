import { bodyOf, list, qualified, relationKey, relationOf, type ColumnDef, type Constraint, type Node } from '../../sql/ast.js';
import { volatileCall } from '../knowledge.js';
import { describeLock } from '../locks.js';
import { statementSql } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, altersTable, backfillStep, notNullSteps, numbered, OwnStatement, sqlNames, uniqueIndexStep } from './rewrites-helpers.js';

/**
 * Since PostgreSQL 11, ADD COLUMN with a non-volatile DEFAULT stores the value once in the catalog
 * and leaves the rows alone. A volatile default (gen_random_uuid(), random(), clock_timestamp(),
 * nextval(), a function not declared STABLE or IMMUTABLE) has to be computed for every existing
 * row, so the table is rewritten under ACCESS EXCLUSIVE; before PostgreSQL 11 any non-NULL default is.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export const addingVolatileDefault = {
  id: 'adding-volatile-default',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a column with a volatile DEFAULT to an existing table',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (!altersTable(statement) || !alterCommands(statement.body).some((cmd) => cmd.subtype === 'AT_AddColumn')) return undefined;
    if (context.isNewTable(relationKey(statement.body.relation))) return undefined;
    // Only a statement that rewrites the table can be reported: skip the re-parse for every other one.
    if (!statement.effects.some((e) => e.rewrite)) return undefined;
    const own = OwnStatement.of(statement.sql, statement.node);
    const ownCommands = alterCommands(own?.bodyOf('AlterTableStmt'));
    const findings: Finding[] = [];
    alterCommands(statement.body).forEach((cmd, i) => {
      if (cmd.subtype !== 'AT_AddColumn') return;
      const def = bodyOf(cmd.def, 'ColumnDef');
      const defaultClause = list(def?.constraints).map((c) => bodyOf(c, 'Constraint')).find((c) => c?.contype === 'CONSTR_DEFAULT');
      if (!def || !defaultClause || isNull(defaultClause.raw_expr)) return;
      const finding = volatileDefault(context, def, defaultClause, own, bodyOf(ownCommands[i]?.def, 'ColumnDef'));
      if (finding) findings.push(finding);
    });
    return findings;
  },
} satisfies LintRule;

/** Built-in functions known to be volatile, to tell them from functions the lint has not seen declared. */
const BUILTIN_VOLATILE = new Set([
  'random', 'random_normal', 'gen_random_uuid', 'gen_random_bytes', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4',
  'uuidv4', 'uuidv7', 'clock_timestamp', 'timeofday', 'nextval', 'setval',
]);

function volatileDefault(context: RuleContext, def: ColumnDef, defaultClause: Constraint, own: OwnStatement | undefined, ownDef: ColumnDef | undefined): Finding | undefined {
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  const column = def.colname ?? '?';
  const where = `${name}.${column}`;
  const consequence = `while every query on ${name} waits, which takes minutes on a big table`;
  const written = defaultText(own, ownDef);
  let message: string;
  if (context.pgVersion < 11) {
    message = `Before PostgreSQL 11, adding a column with a DEFAULT rewrites the whole table: ${where} gets its default written into every existing row ${consequence}.`;
  } else {
    const fn = volatileCall(defaultClause.raw_expr, context.knowledge);
    if (!fn) return undefined;
    const declared = context.knowledge.functions.get(fn);
    const why =
      declared === 'v' ? 'which is declared VOLATILE'
      : BUILTIN_VOLATILE.has(fn) ? 'which is volatile'
      : 'which is not declared STABLE or IMMUTABLE in the migrations linted here, so it is taken as volatile (the CREATE FUNCTION default)';
    message = `Adding ${where} with DEFAULT ${written?.expression ?? `${fn}(...)`} rewrites the whole table: PostgreSQL computes the default for every existing row ${consequence}. It calls ${fn}(), ${why}.`;
  }
  return {
    message,
    lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite ends`,
    help: `Instead:\n${recipe(context, def, own, ownDef)}`,
  };
}

/** Add the column bare, default for new rows only, backfill the old ones, then NOT NULL if it had one. */
function recipe(context: RuleContext, def: ColumnDef, own: OwnStatement | undefined, ownDef: ColumnDef | undefined): string {
  // The re-parsed relation: the engine's RangeVar counts its location from the start of the file.
  const names = sqlNames(own, own?.rangeVar ?? relationOf(context.statement));
  const column = names.column(def.colname ?? '?');
  const contypes = list(def.constraints).map((c) => bodyOf(c, 'Constraint')?.contype);
  // A PRIMARY KEY implies NOT NULL: the bare column could not be added to a table with rows.
  const primary = contypes.includes('CONSTR_PRIMARY');
  const notNull = primary || contypes.includes('CONSTR_NOTNULL');
  const without = `without the default${primary ? ' and without the PRIMARY KEY' : notNull ? ' and without NOT NULL' : ''}`;
  const written = defaultText(own, ownDef);
  if (!own || !written) {
    return numbered([
      `Add the column ${without}.`,
      `Set the default for new rows only (a catalog change): \`ALTER TABLE ${names.table} ALTER COLUMN ${column} SET DEFAULT ...;\``,
      backfillStep(names.table, `${column} = ...`, `${column} IS NULL`),
    ]);
  }
  const { expression, spans } = written;
  const bare = own.without(spans.filter((s) => s.constraint.contype === 'CONSTR_DEFAULT' || s.constraint.contype === 'CONSTR_NOTNULL' || s.constraint.contype === 'CONSTR_PRIMARY'));
  return numbered([
    `Add the column ${without}: \`${statementSql(bare)}\``,
    `Set the default for new rows only (a catalog change, no rewrite): \`ALTER TABLE ${names.table} ALTER COLUMN ${column} SET DEFAULT ${expression};\``,
    backfillStep(names.table, `${column} = ${expression}`, `${column} IS NULL`),
    ...(notNull ? notNullSteps(context.pgVersion, names.table, column, def.colname ?? '') : []),
    ...(primary ? [uniqueIndexStep(names, String(relationOf(context.statement)?.relname), column, def.colname ?? '', true)] : []),
  ]);
}

/** The DEFAULT expression as written, and the spans of the column's constraints in the statement. */
function defaultText(own: OwnStatement | undefined, ownDef: ColumnDef | undefined) {
  if (!own || !ownDef) return undefined;
  const spans = own.constraintSpans(ownDef);
  const span = spans.find((s) => s.constraint.contype === 'CONSTR_DEFAULT');
  const keyword = span ? own.keywordAfter(span.start, 'DEFAULT', span.end) : undefined;
  const start = keyword === undefined ? undefined : own.nextToken(keyword);
  if (!span || start === undefined) return undefined;
  return { expression: own.sql.slice(start, span.end), spans };
}

/** `NULL` or `NULL::type`: no value to store, so nothing is rewritten. */
function isNull(expr: Node | undefined): boolean {
  const cast = bodyOf(expr, 'TypeCast');
  return bodyOf(cast ? cast.arg : expr, 'A_Const')?.isnull === true;
}
