import { addCheck, namedCheck } from '../../operations/add-check.js';
import { bodyOf, list, relationOf, type ColumnDef, type Constraint } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, statementSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatement } from '../types.js';
import { addedConstraints, addingToExistingTable, bareName, constraintName, LATER_MIGRATION, notValidSteps, objectName, tableOf, validateSql } from './constraints-helpers.js';
import { IN_PLACE_OF_DO_BLOCK, newCommand, planHelp, tableOfKey } from './operation-helpers.js';
import { OwnStatement } from './rewrites-helpers.js';

/**
 * ADD CONSTRAINT ... CHECK reads every row to validate it while holding ACCESS EXCLUSIVE: every
 * read and write of the table waits for the whole scan. So does ADD COLUMN ... CHECK (...), even
 * though the new column is NULL (or its default) everywhere. With NOT VALID the constraint is
 * added at once (new writes are checked, existing rows are not), and VALIDATE CONSTRAINT checks
 * the existing rows later under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export const addingCheckConstraint = {
  id: 'adding-check-constraint',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a CHECK constraint without NOT VALID',
  kinds: ['AlterTableStmt'],
  check({ statement, isNewTable }) {
    // A table created earlier in this file is empty: there is nothing to check or build.
    const target = addingToExistingTable(statement, isNewTable);
    if (!target) return undefined;
    const { commands, table } = target;
    const findings: Finding[] = [];
    commands.forEach((cmd, index) => {
      for (const { constraint, column } of addedConstraints(cmd)) {
        // NOT VALID and PostgreSQL 18's NOT ENFORCED both set skip_validation: no scan.
        if (constraint.contype !== 'CONSTR_CHECK' || constraint.skip_validation === true) continue;
        const { name, named } = constraintName(constraint, bareName(relationOf(statement)));
        const what = named ? `CHECK constraint ${name}` : 'a CHECK constraint';
        findings.push({
          message: column
            ? `Adding column ${column.colname ?? '?'} with ${what} reads every row of ${table.shown} to check it, and every read and write of the table waits until it is done: minutes on a big table.`
            : `Adding ${what} reads every row of ${table.shown} to validate it, and every read and write of the table waits until it is done: minutes on a big table.`,
          lock: `${describeLock('ACCESS EXCLUSIVE', table.shown)}, held while every row is checked`,
          help: column
            ? addColumnRecipe(statement, index, column, constraint, name)
            : (commands.length === 1 && checkRecipe(statement, constraint, ownExpression(statement, index), [])) ||
              ['Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:', ...notValidSteps(statement, constraint)].join('\n'),
        });
      }
    });
    return findings;
  },
} satisfies LintRule;

/**
 * ADD COLUMN ... CHECK: a column constraint cannot be NOT VALID, so the column is added without
 * it and the CHECK is added as a table constraint NOT VALID, then validated later. `index` is the
 * command's position in the statement and `constraint` the column constraint in the engine's tree;
 * the statement is re-parsed to cut the CHECK out of the user's own text.
 */
function addColumnRecipe(statement: LintStatement, index: number, column: ColumnDef, constraint: Constraint, name: string): string {
  const table = tableOf(statement);
  const nth = list(column.constraints).findIndex((c) => bodyOf(c, 'Constraint') === constraint);
  const own = OwnStatement.of(statement.sql, statement.node);
  const ownCmd = own ? list(own.bodyOf('AlterTableStmt')?.cmds).map((c) => bodyOf(c, 'AlterTableCmd'))[index] : undefined;
  const ownDef = bodyOf(ownCmd?.def, 'ColumnDef');
  const ownConstraint = bodyOf(list(ownDef?.constraints)[nth], 'Constraint');
  const span = own && ownDef && ownConstraint ? own.constraintSpans(ownDef).find((s) => s.constraint === ownConstraint) : undefined;
  const expression = own && span ? own.parenthesized(span.start) : undefined;
  const where = statement.embeddedIn ? ' (in place of the statement inside the DO block)' : '';
  const without = own && span ? `\`${statementSql(own.without([span]))}\`${where}` : `This ADD COLUMN without its CHECK clause${where}.`;
  const planned = checkRecipe(statement, constraint, expression, [without]);
  if (planned) return planned;
  return [
    'Instead, add the column without the CHECK, then add the CHECK NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:',
    `1. ${without}`,
    `2. In the same migration: \`ALTER TABLE ${table.sql} ADD CONSTRAINT ${ident(name)} CHECK ${expression ?? '(...)'} NOT VALID;\``,
    `3. ${LATER_MIGRATION}: \`${validateSql(table.sql, name)}\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
  ].join('\n');
}

/**
 * The add-check operation's plan for the CHECK: added NOT VALID before the deploy, validated
 * after it; `before` are steps of the user's own that come first. Undefined for what the
 * operation does not write (NO INHERIT), or when the condition's text is not found.
 */
function checkRecipe(statement: LintStatement, constraint: Constraint, expression: string | undefined, before: string[]): string | undefined {
  const key = tableOf(statement).key;
  const check = expression?.slice(1, -1).trim();
  if (!key || !check || constraint.is_no_inherit) return undefined;
  const table = tableOfKey(key);
  const { name, named } = constraintName(constraint, table.name);
  return planHelp({
    intro:
      before.length > 0
        ? 'Instead, add the column without the CHECK, then add the CHECK NOT VALID (new writes are checked at once, existing rows are not) and validate it separately'
        : 'Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately',
    before,
    plan: addCheck.plan(namedCheck(table, name, check)),
    // add-check names a CHECK `<table>_check`; PostgreSQL names one on a single column `<table>_<column>_check`.
    command: newCommand('add-check', table, [], { check, 'constraint-name': named || name !== objectName(table.name, undefined, 'check') ? name : undefined }),
    notes: statement.embeddedIn && before.length === 0 ? [IN_PLACE_OF_DO_BLOCK] : [],
  });
}

/** The `(condition)` of the `index`-th command's CHECK, as the statement writes it. */
function ownExpression(statement: LintStatement, index: number): string | undefined {
  const own = OwnStatement.of(statement.sql, statement.node);
  const constraint = bodyOf(list(own?.bodyOf('AlterTableStmt')?.cmds).map((c) => bodyOf(c, 'AlterTableCmd'))[index]?.def, 'Constraint');
  const start = own?.at(constraint?.location);
  const at = own && start !== undefined ? own.keywordAfter(start, 'CHECK') : undefined;
  return own && at !== undefined ? own.parenthesized(at) : undefined;
}
