import { conflicts, describeLock, type LockMode } from '../locks.js';
import type { Finding, LintRule, LintStatement, RuleContext } from '../types.js';
import { displayName, endsTransactionBlock, relationCreatedInFile } from './breaking-helpers.js';
import { BACKFILL_HOW, backfillCommand, backfillOfUpdate } from './backfill-helpers.js';
import { unboundedChange, type DataChange } from './data-change-helpers.js';

/**
 * An UPDATE or DELETE of every row (or an INSERT ... SELECT of a whole table) followed, in the
 * same transaction, by DDL that locks the same table against writes: the data change holds a row
 * lock on every row it touched until commit, the application's writes to those rows queue behind
 * them while holding ROW EXCLUSIVE on the table, and the DDL's lock (SHARE or stronger conflicts
 * with ROW EXCLUSIVE) waits for those sessions. Each waits for the other: PostgreSQL's deadlock
 * detector cancels one side after deadlock_timeout, or, with the runner's lock_timeout, the DDL
 * gives up and the retry runs the whole data change again (issue 9, item 5).
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS
 *
 * Reported at the DDL, naming the data change's line: the DDL is what turns the row locks into a
 * deadlock (the data change alone is unbounded-data-change's finding), its lock is the one the
 * linter's effects know (computed when its turn comes, with what earlier statements created), and
 * an ignore comment on it says "this table takes no writes while the migration runs".
 */
export const schemaChangeAfterDataChange = {
  id: 'schema-change-after-data-change',
  severity: 'error',
  hazard: 'database',
  title: 'Changing a table\'s schema after changing all its rows in the same transaction',
  check(context) {
    const { statement } = context;
    if (!statement.transactional || statement.effects.length === 0) return undefined;
    // Most statements follow no unbounded data change in their transaction: a cheap way out first.
    const earlier = dataChanges(context.statements).filter((c) => c.statement.position < statement.position && c.statement.transaction === statement.transaction);
    if (earlier.length === 0) return undefined;
    const findings: Finding[] = [];
    for (const effect of statement.effects) {
      // A lock the application's writers (ROW EXCLUSIVE) do not block cannot wait for them.
      if (!conflicts(effect.lock, 'ROW EXCLUSIVE')) continue;
      const change = firstChangeSinceLastLock(context, effect.relation, earlier);
      // A table created earlier in this file is empty and no application session holds it.
      if (change && !relationCreatedInFile(context, effect.relation)) findings.push(finding(effect.relation, effect.lock, change));
    }
    return findings;
  },
} satisfies LintRule;

interface EarlierChange {
  change: DataChange;
  statement: LintStatement;
}

/** The unbounded data changes of a file, found once per file (the engine passes the same `statements` array to every check). */
const changesOfFile = new WeakMap<readonly LintStatement[], EarlierChange[]>();

function dataChanges(statements: readonly LintStatement[]): EarlierChange[] {
  let found = changesOfFile.get(statements);
  if (!found) {
    found = [];
    for (const statement of statements) {
      const change = unboundedChange(statement);
      if (change) found.push({ change, statement });
    }
    changesOfFile.set(statements, found);
  }
  return found;
}

/**
 * The first of `earlier` (unbounded data changes before the statement, in its transaction) that
 * changes `table` after the last statement that took a write-blocking lock on `table` (that
 * statement was reported, and once it holds its lock no application write is left waiting on
 * the rows) or ended the transaction with COMMIT or ROLLBACK (which transaction-control reports).
 */
function firstChangeSinceLastLock(context: RuleContext, table: string, earlier: readonly EarlierChange[]): EarlierChange | undefined {
  const { statement, statements } = context;
  const onTable = earlier.filter((c) => c.change.table === table);
  if (onTable.length === 0) return undefined;
  const first = onTable[0]!.statement.position;
  let boundary = -1;
  for (let at = statement.position - 1; at > first; at--) {
    const between = statements[at]!;
    if (endsTransactionBlock(between) || between.effects.some((e) => e.relation === table && conflicts(e.lock, 'ROW EXCLUSIVE'))) {
      boundary = at;
      break;
    }
  }
  return onTable.find((c) => c.statement.position > boundary);
}

/** How each data change holds the rows it touched, and which of the application's writes wait for them. */
const HOLDS: Record<DataChange['verb'], { rows: (table: string) => string; waiting: string }> = {
  UPDATE: { rows: (t) => `locks every row of ${t} it changes until the migration commits`, waiting: "The application's writes to those rows wait for the migration" },
  DELETE: { rows: (t) => `locks every row of ${t} it deletes until the migration commits`, waiting: "The application's writes to those rows wait for the migration" },
  'INSERT ... SELECT': {
    rows: (t) => `writes every row its query returns into ${t} and keeps each one locked until the migration commits`,
    waiting: "The application's writes of the same keys wait for the migration",
  },
};

function finding(table: string, lock: LockMode, { change, statement }: EarlierChange): Finding {
  const name = displayName(table);
  const verb = change.verb;
  const holds = HOLDS[verb];
  return {
    message:
      `The ${verb} on line ${statement.line} ${holds.rows(name)}, and this statement then takes ${lock} on ${name} in the same transaction. ` +
      `${holds.waiting}, while this statement waits for the application's sessions (each one that has written to ${name} holds ROW EXCLUSIVE on it until it commits): ` +
      `PostgreSQL detects a deadlock and cancels one side, or every write to ${name} stalls until the migration ends, and each retry runs the ${verb} again and repeats the outage.`,
    lock: `${describeLock(lock, name)}, requested while the ${verb} (line ${statement.line}) holds its row locks`,
    help:
      `Instead, keep this schema change in a migration of its own, and take the ${verb} (line ${statement.line}) out of the migrations: ${
        verb === 'UPDATE'
          ? `once the schema change is deployed, run \`${backfillCommand(backfillOfUpdate(statement.sql) ?? { table: name, set: undefined })}\` (${BACKFILL_HOW})`
          : `once the schema change is deployed, run it a few thousand rows per transaction from a script or job (\`sdk db backfill\` only updates rows)`
      }; if this statement needs the changed rows (SET NOT NULL, a CHECK), put it in a migration that runs after that.`,
  };
}
