import type pg from 'pg';
import type { BackfillOptions, BackfillResult, CopyOptions } from '../backfill/index.js';

/** What a data migration's `run` gets: the backfill engine (backfill and copy) on the runner's session, and the session itself. */
export interface DataMigrationContext {
  /**
   * Runs a backfill (docs/backfill.md). Its checkpoint name defaults to the data migration's name
   * (with `#2`, `#3`... for later calls), so a run that was stopped resumes where it stopped.
   */
  backfill(options: Omit<BackfillOptions, 'signal'>): Promise<BackfillResult>;
  /**
   * Copies every row of one table into another in the backfill's keyset batches (rewrite-table's
   * copy step, docs/backfill.md). Named like backfill calls (the data migration's name, then
   * `#2`, `#3`... counting both kinds), so a stopped copy resumes and copies no row twice.
   */
  copy(options: Omit<CopyOptions, 'signal'>): Promise<BackfillResult>;
  /** The runner's session (it holds the migration lock): for small reads and writes of your own. */
  client: pg.Client;
  /** Aborted on Ctrl-C: stop at the next safe point. */
  signal: AbortSignal | undefined;
}

export interface DataMigration {
  /** The schema migration (its tag) that must be applied first; the data migration runs right after it, before the next one. */
  after: string;
  description?: string | undefined;
  /** Must be safe to run again after an interruption: backfill() and copy() are. */
  run(context: DataMigrationContext): Promise<void>;
}

/**
 * A tracked data migration, in `packages/db-config/data-migrations/NNNN_name.ts`:
 *
 * ```ts
 * export default defineDataMigration({
 *   after: '0003_add_status',
 *   run: ({ backfill }) => backfill({ table: users, set: { status: 'active' }, where: isNull(users.status) }).then(() => {}),
 * });
 * ```
 */
export function defineDataMigration(migration: DataMigration): DataMigration {
  return migration;
}
