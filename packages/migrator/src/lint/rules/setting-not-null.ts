import { addRequiredColumn, requiredColumn } from '../../operations/add-required-column.js';
import { notNullCheckName } from '../../operations/steps.js';
import { relationOf, type Constraint } from '../../sql/ast.js';
import { quoteIdent } from '../../sql/quote.js';
import { primaryKeyNullableColumns } from '../effects.js';
import { droppedConstraints, type ConstraintInfo, type SchemaKnowledge } from '../knowledge.js';
import { ident, statementSql } from '../rewrite.js';
import { describeLock } from '../locks.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { addedConstraint, alterCommands, bareName, LATER_MIGRATION, IN_A_LATER_MIGRATION, names, objectName, tableOf, validateSql } from './constraints-helpers.js';
import { newCommand, planHelp, tableOfKey, VALUE_PLACEHOLDER } from './operation-helpers.js';
import { typeLabel } from './rewrites-helpers.js';

/**
 * SET NOT NULL (and PostgreSQL 18's `ADD CONSTRAINT ... NOT NULL col` without NOT VALID) reads
 * every row to prove there is no NULL while holding ACCESS EXCLUSIVE: every read and write of
 * the table waits for the whole scan. Since PostgreSQL 12 the scan is skipped when a validated
 * `CHECK (col IS NOT NULL)` already proves it, and that CHECK can be added NOT VALID and
 * validated under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL
 */
export const settingNotNull = {
  id: 'setting-not-null',
  severity: 'error',
  hazard: 'database',
  title: 'Setting NOT NULL on an existing column',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement, isNewTable, knowledge, pgVersion } = context;
    if (statement.kind !== 'AlterTableStmt') return undefined;
    const commands = alterCommands(statement);
    if (!commands.some((cmd) => cmd.subtype === 'AT_SetNotNull' || cmd.subtype === 'AT_AddConstraint')) return undefined;
    const table = tableOf(statement);
    if (isNewTable(table.key)) return undefined;
    // A CHECK the same ALTER TABLE drops is gone before SET NOT NULL looks for it (DROP runs in an earlier pass).
    const dropped = droppedConstraints(statement.body);
    const findings: Finding[] = [];
    for (const cmd of commands) {
      if (cmd.subtype === 'AT_SetNotNull' && typeof cmd.name === 'string') {
        if (pgVersion >= 12 && knowledge.validatedNotNullCheck(table.key, cmd.name, dropped)) continue;
        const droppedProof = pgVersion >= 12 ? knowledge.validatedNotNullCheck(table.key, cmd.name) : undefined;
        findings.push(droppedProof ? droppedTooSoon(context, cmd.name, droppedProof) : setNotNull(context, cmd.name));
      }
      const constraint = addedConstraint(cmd);
      // A table-level NOT NULL constraint is PostgreSQL 18 syntax; older servers reject the statement.
      if (pgVersion >= 18 && constraint?.contype === 'CONSTR_NOTNULL' && constraint.skip_validation !== true) {
        const column = names(constraint.keys)[0] ?? '?';
        // The same proof lets PostgreSQL 18 skip the scan of a NOT NULL constraint.
        if (knowledge.validatedNotNullCheck(table.key, column, dropped)) continue;
        findings.push(addNotNullConstraint(context, column, typeof constraint.conname === 'string' ? constraint.conname : undefined));
      }
      // PRIMARY KEY USING INDEX runs SET NOT NULL on each nullable key column.
      if (constraint?.contype === 'CONSTR_PRIMARY' && typeof constraint.indexname === 'string') {
        const nullable = primaryKeyNullableColumns(constraint, table.key, statement.body, context);
        if (nullable.length > 0) findings.push(primaryKeyUsingIndex(context, constraint, nullable));
      }
    }
    return findings;
  },
} satisfies LintRule;

function lock(shown: string): string {
  return `${describeLock('ACCESS EXCLUSIVE', shown)}, held while every row is read`;
}

function message(shown: string, column: string): string {
  return `Making ${shown}.${column} NOT NULL reads every row of ${shown} to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.`;
}

function setNotNull({ statement, knowledge, pgVersion }: RuleContext, column: string): Finding {
  const table = tableOf(statement);
  const col = ident(column);
  const check = objectName(bareName(relationOf(statement)), column, 'not_null');
  const add = `ALTER TABLE ${table.sql} ADD CONSTRAINT ${ident(check)} CHECK (${col} IS NOT NULL) NOT VALID;`;
  const validate = validateSql(table.sql, check);
  const pending = pendingNotNullCheck(knowledge.constraints.get(table.key ?? ''), column);
  let help: string;
  if (pgVersion < 12) {
    help = [
      `PostgreSQL ${pgVersion} reads the whole table for SET NOT NULL even when a CHECK constraint proves it (PostgreSQL 12 and later use the CHECK). Instead, keep a validated CHECK constraint in place of NOT NULL; it rejects NULLs just the same:`,
      `1. \`${add}\` (instant: new writes are checked, existing rows are not)`,
      `2. ${LATER_MIGRATION}: \`${validate}\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
      'Run SET NOT NULL once the database is on PostgreSQL 12 or later: it then uses the CHECK instead of reading the table.',
    ].join('\n');
  } else if (pending) {
    help = [
      `The CHECK constraint ${pending} that proves ${column} NOT NULL is not validated yet, so PostgreSQL still reads the table. Instead:`,
      `1. Validate it first, in a migration after the one that added it: \`${validateSql(table.sql, pending)}\` (SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
      `2. Then \`${statementSql(statement.sql)}\` uses the validated CHECK and skips the scan.`,
      `3. \`ALTER TABLE ${table.sql} DROP CONSTRAINT ${ident(pending)};\` (the column's NOT NULL does the job now)`,
    ].join('\n');
  } else {
    help = table.key ? makeNotNull(knowledge, table.key, column, pgVersion) : `Instead, prove the column has no NULLs with a CHECK constraint first (\`${add}\`, then ${IN_A_LATER_MIGRATION} \`${validate}\`), so SET NOT NULL skips the scan.`;
  }
  return { message: message(table.shown, column), lock: lock(table.shown), help };
}

/**
 * The add-required-column operation's plan for an existing column: its NULLs filled, then NOT
 * NULL proved by a CHECK validated without blocking writes, so SET NOT NULL skips the scan. On
 * PostgreSQL 18 a NOT NULL constraint added NOT VALID does it in two steps, which no operation
 * writes yet: that way follows the plan.
 */
function makeNotNull(knowledge: SchemaKnowledge, key: string, column: string, pgVersion: number): string {
  const table = tableOfKey(key);
  const type = knowledge.columnType(key, column);
  const plan = addRequiredColumn.plan(requiredColumn(table, { column, type: type ? typeLabel(type) : '<type>', default: null, backfill: VALUE_PLACEHOLDER, exists: true }));
  const notes: string[] = [];
  if (pgVersion >= 18) {
    const check = quoteIdent(notNullCheckName(table.name, column));
    notes.push(
      `On PostgreSQL 18 two steps are enough once the NULLs are filled: \`ALTER TABLE ${table.sql} ADD CONSTRAINT ${check} NOT NULL ${quoteIdent(column)} NOT VALID;\`, then ${IN_A_LATER_MIGRATION} \`ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ${check};\`, which makes the column NOT NULL.`,
    );
  }
  return planHelp({
    intro: 'Instead, fill its NULLs, then prove the column has none with a CHECK constraint, so SET NOT NULL skips the scan',
    plan,
    command: newCommand('add-required-column', table, [column], { backfill: VALUE_PLACEHOLDER }),
    notes,
  });
}

/** SET NOT NULL next to DROP CONSTRAINT of the validated CHECK that would have proved it. */
function droppedTooSoon({ statement }: RuleContext, column: string, check: string): Finding {
  const table = tableOf(statement);
  return {
    message: `${message(table.shown, column)} The validated CHECK ${check} would spare the scan, but this statement drops it, and PostgreSQL runs the DROP CONSTRAINT before SET NOT NULL looks for it.`,
    lock: lock(table.shown),
    help: [
      'Instead, drop the CHECK only once the column is NOT NULL:',
      `1. \`ALTER TABLE ${table.sql} ALTER COLUMN ${ident(column)} SET NOT NULL;\` (uses the validated CHECK ${check} instead of reading the table)`,
      `2. Then, in a separate statement: \`ALTER TABLE ${table.sql} DROP CONSTRAINT ${ident(check)};\``,
    ].join('\n'),
  };
}

/** `ADD CONSTRAINT ... PRIMARY KEY USING INDEX` on nullable columns: SET NOT NULL on each, with its scan. */
function primaryKeyUsingIndex({ statement, pgVersion }: RuleContext, constraint: Constraint, columns: readonly string[]): Finding {
  const table = tableOf(statement);
  const name = typeof constraint.conname === 'string' ? `PRIMARY KEY ${constraint.conname}` : 'a PRIMARY KEY';
  const list = columns.map((c) => `${table.shown}.${c}`).join(', ');
  const checks = columns.map((c) => ({ column: ident(c), check: ident(objectName(bareName(relationOf(statement)), c, 'not_null')) }));
  const add = checks.map(({ column, check }) => `\`ALTER TABLE ${table.sql} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID;\``).join(' and ');
  const validate = checks.map(({ check }) => `\`ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ${check};\``).join(' and ');
  const drop = checks.map(({ check }) => `\`ALTER TABLE ${table.sql} DROP CONSTRAINT ${check};\``).join(' and ');
  const help =
    pgVersion < 12
      ? `PostgreSQL ${pgVersion} reads the whole table for this even when a CHECK constraint proves the column has no NULLs (PostgreSQL 12 and later use the CHECK). Run it at a quiet time, or once the database is on PostgreSQL 12 or later, prove it first with a validated CHECK (\`CHECK (col IS NOT NULL)\` added NOT VALID, then VALIDATE CONSTRAINT in a later migration).`
      : [
          'Instead, prove the key columns have no NULLs with a CHECK constraint first, so the PRIMARY KEY skips the scan:',
          `1. ${add} (instant: new writes are checked, existing rows are not)`,
          `2. ${LATER_MIGRATION}: ${validate} (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
          `3. Then \`${statementSql(statement.sql)}\` (uses the validated CHECK instead of reading the table)`,
          `4. ${drop} (the column's NOT NULL does the job now)`,
        ].join('\n');
  return {
    message: `Adding ${name} USING INDEX makes ${list} NOT NULL, which reads every row of ${table.shown} to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.`,
    lock: lock(table.shown),
    help,
  };
}

/** PostgreSQL 18: `ADD CONSTRAINT n NOT NULL col` validates every row unless NOT VALID. */
function addNotNullConstraint({ statement }: RuleContext, column: string, name: string | undefined): Finding {
  const table = tableOf(statement);
  const single = alterCommands(statement).length === 1;
  const constraint = name ?? objectName(bareName(relationOf(statement)), column, 'not_null');
  const first = single && name ? `\`${statementSql(`${statement.sql} NOT VALID`)}\`` : `\`ALTER TABLE ${table.sql} ADD CONSTRAINT ${ident(constraint)} NOT NULL ${ident(column)} NOT VALID;\``;
  return {
    message: message(table.shown, column),
    lock: lock(table.shown),
    help: [
      'Instead, add it NOT VALID (new writes are checked at once) and validate it separately:',
      `1. ${first}${name ? '' : ' (named, so a later migration can validate it)'}`,
      `2. ${LATER_MIGRATION}: \`${validateSql(table.sql, constraint)}\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
    ].join('\n'),
  };
}

/** A `CHECK (col IS NOT NULL)` on the table that is not validated yet. */
function pendingNotNullCheck(constraints: ReadonlyMap<string, ConstraintInfo> | undefined, column: string): string | undefined {
  for (const [name, info] of constraints ?? []) if (info.kind === 'check' && !info.validated && info.notNullColumn === column) return name;
  return undefined;
}
