import { bodyOf, list, qualified, relationKey } from '../../sql/ast.js';
import { blocks, conflicts, describeLock } from '../locks.js';
import type { LintRule } from '../types.js';

/**
 * An explicit LOCK TABLE holds its lock until the migration's transaction commits, so it blocks
 * the application for as long as every later statement of the migration takes, on top of the
 * locks those statements take themselves (which the runner bounds with lock_timeout).
 * https://www.postgresql.org/docs/current/sql-lock.html
 */
export const lockingTable = {
  id: 'locking-table',
  severity: 'error',
  hazard: 'database',
  title: 'Locking a table explicitly',
  kinds: ['LockStmt'],
  check({ statement, isNewTable }) {
    if (statement.kind !== 'LockStmt') return undefined;
    // A table created earlier in this file is not used by anyone yet.
    const tables = list(statement.body.relations).map((r) => bodyOf(r, 'RangeVar')).filter((r) => !isNewTable(relationKey(r)));
    const mode = statement.effects[0]?.lock;
    if (tables.length === 0 || !mode) return undefined;
    const shown = tables.map(qualified).join(', ');
    // A mode that conflicts with ROW EXCLUSIVE (what INSERT, UPDATE and DELETE take) stops writes.
    const blocksWrites = conflicts(mode, 'ROW EXCLUSIVE');
    return {
      severity: blocksWrites ? 'error' : 'warning',
      message: `LOCK TABLE ${shown} IN ${mode} MODE holds its lock until the migration's transaction commits, through every later statement of the migration: it ${blocks(mode)}.`,
      lock: `${describeLock(mode, shown)}, held until the transaction commits`,
      help: "Remove the LOCK TABLE: each statement takes the lock it needs, and the runner's lock_timeout keeps it from queueing in front of your traffic. If you do need it (to stop writes during a data fix, say), keep it as short as possible: put it in a migration of its own, right before the statements that need it, in the weakest mode that works.",
    };
  },
} satisfies LintRule;
