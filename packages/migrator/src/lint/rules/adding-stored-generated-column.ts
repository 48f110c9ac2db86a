import { bodyOf, generatedKind, list, qualified, relationKey, relationOf, type ColumnDef, type Constraint } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { statementSql } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, altersTable, backfillStep, earlierStatements, numbered, OwnStatement, sqlNames } from './rewrites-helpers.js';

/**
 * A STORED generated column is computed for every existing row when it is added, and again when
 * SET EXPRESSION (PostgreSQL 17+) changes its expression: the table is rewritten under ACCESS
 * EXCLUSIVE. A PostgreSQL 18 VIRTUAL generated column is computed when read: adding one, or
 * changing its expression, only touches the catalog.
 * https://www.postgresql.org/docs/current/ddl-generated-columns.html
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-EXPRESSION
 */
export const addingStoredGeneratedColumn = {
  id: 'adding-stored-generated-column',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a STORED generated column, or changing its expression, on an existing table',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (!altersTable(statement) || !alterCommands(statement.body).some((cmd) => cmd.subtype === 'AT_AddColumn' || cmd.subtype === 'AT_SetExpression')) return undefined;
    if (context.isNewTable(relationKey(statement.body.relation))) return undefined;
    // Only a statement that rewrites the table can be reported: skip the re-parse for every other one.
    if (!statement.effects.some((e) => e.rewrite)) return undefined;
    const own = OwnStatement.of(statement.sql, statement.node);
    const ownCommands = alterCommands(own?.bodyOf('AlterTableStmt'));
    const findings: Finding[] = [];
    let setExpressions = 0;
    alterCommands(statement.body).forEach((cmd, i) => {
      if (cmd.subtype === 'AT_AddColumn') {
        const def = bodyOf(cmd.def, 'ColumnDef');
        const generated = def ? storedGenerated(def) : undefined;
        if (def && generated) findings.push(addColumn(context, def, own, bodyOf(ownCommands[i]?.def, 'ColumnDef')));
      } else if (cmd.subtype === 'AT_SetExpression' && typeof cmd.name === 'string') {
        const nth = setExpressions++;
        if (!virtualInFile(context, cmd.name)) findings.push(setExpression(context, cmd.name, own, nth));
      }
    });
    return findings;
  },
} satisfies LintRule;

/** The GENERATED ... STORED constraint of a column (PostgreSQL 18 writes VIRTUAL as generated_kind `v`). */
function storedGenerated(def: ColumnDef): Constraint | undefined {
  return list(def.constraints).map((c) => bodyOf(c, 'Constraint')).find((c) => c?.contype === 'CONSTR_GENERATED' && generatedKind(c) !== 'v');
}

function addColumn(context: RuleContext, def: ColumnDef, own: OwnStatement | undefined, ownDef: ColumnDef | undefined): Finding {
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  const columnName = def.colname ?? '?';
  const names = sqlNames(own, own?.rangeVar ?? relation);
  const column = names.column(columnName);
  const spans = own && ownDef ? own.constraintSpans(ownDef) : [];
  const span = spans.find((s) => s.constraint.contype === 'CONSTR_GENERATED');
  const expression = own && span ? own.parenthesized(span.start) : undefined;
  const plain = own && span ? statementSql(own.without(spans.filter((s) => s.constraint.contype === 'CONSTR_GENERATED' || s.constraint.contype === 'CONSTR_NOTNULL'))) : undefined;
  const virtual = own && span && context.pgVersion >= 18 ? replaceStored(own, span) : undefined;
  const steps = numbered([
    plain ? `Add a plain column instead: \`${plain}\`` : 'Add a plain column of the same type instead.',
    `In the same migration, compute it with a BEFORE INSERT OR UPDATE trigger that sets \`NEW.${column}\` to \`${expression ?? '(...)'}\` computed from NEW; apply it with \`pnpm sdk db migrate --phase expand\`.`,
    backfillStep(names.table, `${column} = ${expression ?? '(...)'}`, `${column} IS DISTINCT FROM ${expression ?? '(...)'}`),
  ]);
  return {
    message: `Adding ${name}.${columnName} as a STORED generated column rewrites the whole table: PostgreSQL computes it for every existing row while every query on ${name} waits, which takes minutes on a big table.`,
    lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite ends`,
    help: virtual
      ? `If you do not need to index it and it calls only built-in functions, make it VIRTUAL, computed when read, so that adding it only changes the catalog: \`${statementSql(virtual)}\`. Otherwise:\n${steps}`
      : `Instead:\n${steps}`,
  };
}

function setExpression(context: RuleContext, columnName: string, own: OwnStatement | undefined, nth: number): Finding {
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  const names = sqlNames(own, own?.rangeVar ?? relation);
  const column = names.column(columnName);
  const expression = own ? newExpression(own, nth) : undefined;
  const maybeVirtual =
    context.pgVersion >= 18
      ? ` If ${columnName} is a VIRTUAL column, nothing is rewritten: then add \`-- sdk-lint-ignore adding-stored-generated-column: ${columnName} is virtual\` on the line before.`
      : '';
  return {
    message: `Changing the expression of ${name}.${columnName} rewrites the whole table: PostgreSQL computes the stored column again for every row while every query on ${name} waits, which takes minutes on a big table.${maybeVirtual}`,
    lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite ends`,
    help: `Instead:\n${numbered([
      `In one migration, turn it into a plain column that keeps its values (no rewrite, PostgreSQL 13+): \`ALTER TABLE ${names.table} ALTER COLUMN ${column} DROP EXPRESSION;\`, ` +
        `and compute it with a BEFORE INSERT OR UPDATE trigger that sets \`NEW.${column}\` to \`${expression ?? '(...)'}\` computed from NEW.`,
      backfillStep(names.table, `${column} = ${expression ?? '(...)'}`, `${column} IS DISTINCT FROM ${expression ?? '(...)'}`),
    ])}`,
  };
}

/** The user's statement with `STORED` of the generated column replaced by `VIRTUAL`. */
function replaceStored(own: OwnStatement, span: { start: number; end: number }): string | undefined {
  const stored = own.tokens.find((t) => t.start >= span.start && t.end <= span.end && t.keyword && t.upper === 'STORED');
  return stored ? `${own.sql.slice(0, stored.start)}VIRTUAL${own.sql.slice(stored.end)}` : undefined;
}

/** The `( ... )` after the nth `SET EXPRESSION AS` of the statement, as written. */
function newExpression(own: OwnStatement, nth: number): string | undefined {
  const at = own.tokens.filter((t, i) => t.keyword && t.upper === 'EXPRESSION' && own.tokens[i - 1]?.upper === 'SET')[nth];
  return at ? own.parenthesized(at.end) : undefined;
}

/**
 * Whether an earlier statement of this file added the column as VIRTUAL. Earlier migrations are
 * not visible here: SchemaKnowledge does not record generated columns.
 */
function virtualInFile(context: RuleContext, column: string): boolean {
  const table = relationKey(relationOf(context.statement));
  return earlierStatements(context).some((s) => {
    if (s.kind !== 'AlterTableStmt' || relationKey(s.body.relation) !== table) return false;
    return alterCommands(s.body).some((cmd) => {
      const def = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
      return def?.colname === column && list(def.constraints).some((c) => generatedKind(bodyOf(c, 'Constraint')) === 'v');
    });
  });
}
