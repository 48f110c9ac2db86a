import { relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { BACKFILL_HOW, BACKFILL_WHEN, backfillCommand, backfillOfUpdate } from './backfill-helpers.js';
import { displayName, relationCreatedInFile, STEPS } from './breaking-helpers.js';
import { unboundedChange } from './data-change-helpers.js';

/**
 * An UPDATE or DELETE without WHERE touches every row in the migration's transaction: each row
 * stays locked until the migration commits, so the running app's writes to any of them wait (and
 * its lock_timeout-less queries pile up), every updated row leaves a dead copy behind (bloat until
 * VACUUM), and a DELETE loses the data. Batches that commit one by one avoid all three, and a
 * migration cannot: it runs once, in one transaction. So the help points at the backfill engine,
 * `sdk db backfill`, built from the statement.
 *
 * The same goes for an UPDATE or DELETE in a loop of a DO block: however small each batch, a DO
 * block is one statement of the migration's transaction, so every batch's row locks are held to
 * the end. A loop that COMMITs fails instead: PostgreSQL refuses COMMIT in a DO block run inside a
 * transaction block ("invalid transaction termination"), and the runner runs each migration in one.
 * https://www.postgresql.org/docs/current/sql-update.html
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 * https://www.postgresql.org/docs/current/plpgsql-transactions.html
 */
export const unboundedDataChange = {
  id: 'unbounded-data-change',
  severity: 'error',
  hazard: 'database',
  title: 'UPDATE or DELETE of every row in a migration',
  check(context) {
    const { statement } = context;
    // INSERT ... SELECT only writes new rows, which the running app cannot see until commit.
    const change = unboundedChange(statement);
    if (!change) return loopedChange(context);
    if (change.verb === 'INSERT ... SELECT' || relationCreatedInFile(context, change.table)) return undefined;
    const name = displayName(change.table);
    const update = change.verb === 'UPDATE';
    const spec = update ? backfillOfUpdate(statement.sql) : undefined;
    return {
      message: update
        ? `This UPDATE changes every row of ${name} in one transaction: each row stays locked until the migration commits, so the running app's writes to them wait, and every row leaves a dead copy behind (table bloat).`
        : `This DELETE removes every row of ${name}, and keeps each one locked until the migration commits, so the running app's writes to them wait.`,
      lock: describeLock('ROW EXCLUSIVE', name),
      help: update
        ? `Instead, run it ${BACKFILL_WHEN}, out of the migrations: \`${backfillCommand(spec ?? { table: name, set: undefined })}\` (${BACKFILL_HOW}; \`backfill()\` from '@big0290/migrator' in code).${
            statement.kind === 'UpdateStmt' && statement.body.fromClause ? ' A backfill reads one table: write what the FROM list gives as a subquery in --set.' : ''
          }`
        : `Instead, back up the rows (${STEPS.backup}), then ${DELETE_OUTSIDE}.`,
    };
  },
} satisfies LintRule;

/** How to delete many rows: the engine only updates. */
const DELETE_OUTSIDE = 'delete them out of the migrations, a few thousand rows per transaction, from a script or job (`sdk db backfill` only updates rows)';

/** An UPDATE or DELETE with a WHERE, in a loop of a DO block: batches that all commit together, or a COMMIT that fails. */
function loopedChange(context: RuleContext): Finding | undefined {
  const { statement } = context;
  const { loop } = statement;
  if (!loop || (statement.kind !== 'UpdateStmt' && statement.kind !== 'DeleteStmt')) return undefined;
  const table = relationKey(statement.body.relation);
  if (!table || relationCreatedInFile(context, table)) return undefined;
  const name = displayName(table);
  const verb = statement.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE';
  const instead =
    verb === 'UPDATE'
      ? `Instead, remove the DO block and run \`${backfillCommand(backfillOfUpdate(statement.sql, loop.variables) ?? { table: name, set: undefined })}\` ${BACKFILL_WHEN} (${BACKFILL_HOW}).`
      : `Instead, remove the DO block, back up the rows (${STEPS.backup}), then ${DELETE_OUTSIDE}.`;
  return {
    message: loop.commits
      ? `This ${verb} of ${name} runs in a loop that COMMITs inside a DO block: PostgreSQL refuses COMMIT in a DO block run inside a transaction block ("invalid transaction termination"), and the runner runs each migration in one, so the migration fails.`
      : `This ${verb} of ${name} runs in a loop of a DO block, and a DO block runs in the migration's one transaction: the rows of every batch stay locked until the migration commits, so the running app's writes to them wait as if it were one ${verb}.`,
    lock: describeLock('ROW EXCLUSIVE', name),
    help: instead,
  };
}
