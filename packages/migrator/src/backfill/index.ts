import type pg from 'pg';
import { connect } from '../db/connect.js';
import { compileDrizzleSpec, drizzleTableName, type DrizzleTable, type SetInput, type WhereInput } from './drizzle.js';
import { dryRunBackfill, runBackfill, runCopy } from './engine.js';
import { ensureBackfillMetadata, listBackfillRecords } from './checkpoint.js';
import type { BackfillDryRun, BackfillEvent, BackfillRecord, BackfillResult, BackfillSettings, BackfillSpec, CopySpec } from './types.js';

export { DEFAULT_BATCH_MS, DEFAULT_MAX_ROWS_PER_BATCH, Pace, runBackfill, runCopy } from './engine.js';
export type { BackfillDryRun, BackfillEvent, BackfillRecord, BackfillResult, BackfillSettings, BackfillSpec, CopySpec } from './types.js';
export type { DrizzleTable, SetInput, WhereInput } from './drizzle.js';

/**
 * Where a backfill runs: a database URL, a node-postgres Pool or Client, or a Drizzle database
 * over one (`drizzle(pool)`, whose `$client` it is). A pool lends one connection for the run.
 */
export type BackfillTarget = string | pg.Pool | pg.Client | { $client: pg.Pool | pg.Client };

export interface BackfillOptions extends BackfillSettings {
  /** A Drizzle table, or a table name (`public.items`). */
  table: DrizzleTable | string;
  /** `{ column: value | sql\`...\` }` (a Drizzle table's keys), Drizzle sql`...`, or a SET list as text. */
  set: SetInput;
  /** Drizzle condition (`isNull(users.status)`) or SQL text: the rows that still need the change. */
  where?: WhereInput;
  /** Rows done, rows/s and ETA every few seconds. */
  onProgress?: ((progress: Extract<BackfillEvent, { type: 'progress' }>) => void) | undefined;
}

export interface CopyOptions extends BackfillSettings {
  /** The table to copy from: a Drizzle table or a name (`public.items`). It is walked by its key. */
  table: DrizzleTable | string;
  /** The table to copy into: a Drizzle table or a name (`public.items_sdk_new`). */
  into: DrizzleTable | string;
  /** Target columns as SQL identifiers, quoted where needed: `['id', 'email', '"createdAt"']`. */
  columns: readonly string[];
  /** One source expression per column (`['id', 'email', 'qty::bigint']`); default: the same names as `columns`. */
  select?: readonly string[] | undefined;
  /** Rows copied, rows/s and ETA every few seconds. */
  onProgress?: ((progress: Extract<BackfillEvent, { type: 'progress' }>) => void) | undefined;
}

/** Runs `work` on a session of `target`, giving a lent connection back (or closing an own one) after. */
async function withSession<T>(target: BackfillTarget, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const { client, done } = await session(target);
  try {
    return await work(client);
  } finally {
    await done().catch(() => {});
  }
}

async function session(target: BackfillTarget): Promise<{ client: pg.ClientBase; done: () => Promise<void> }> {
  if (typeof target === 'string') {
    const client = await connect(target, { applicationName: 'sdk backfill' });
    return { client, done: () => client.end() };
  }
  if ('$client' in target) return session(target.$client);
  if ('idleCount' in target) {
    const client = await target.connect();
    return { client, done: async () => client.release() };
  }
  return { client: target, done: async () => {} };
}

/** The spec as SQL (a Drizzle table, set and where rendered) and the engine's settings (onProgress folded into onEvent). */
export async function compileBackfill(options: BackfillOptions): Promise<{ spec: BackfillSpec; settings: BackfillSettings }> {
  const { table, set, where, onProgress, onEvent, ...settings } = options;
  return { spec: await compileDrizzleSpec(table, set, where), settings: { ...settings, onEvent: foldProgress(onProgress, onEvent) } };
}

/** One onEvent for the engine: progress events to onProgress as well. */
function foldProgress(onProgress: BackfillOptions['onProgress'], onEvent: BackfillSettings['onEvent']): (event: BackfillEvent) => void {
  return (event) => {
    if (event.type === 'progress') onProgress?.(event);
    onEvent?.(event);
  };
}

/**
 * Changes every row of a table that matches `where`, in keyset batches of about `batchMs` each,
 * each batch its own short transaction with a checkpoint: resumable, never twice, and yielding to
 * the application when the server is busy.
 *
 * ```ts
 * await backfill(db, { table: users, set: { status: 'active' }, where: isNull(users.status), name: 'users-status' });
 * ```
 */
export async function backfill(target: BackfillTarget, options: BackfillOptions): Promise<BackfillResult> {
  const { spec, settings } = await compileBackfill(options);
  return withSession(target, (client) => runBackfill(client, spec, settings));
}

/** The copy's spec as SQL (Drizzle tables named) and the engine's settings (onProgress folded into onEvent). */
export function compileCopy(options: CopyOptions): { spec: CopySpec; settings: BackfillSettings } {
  const { table, into, columns, select, onProgress, onEvent, ...settings } = options;
  const name = (t: DrizzleTable | string) => (typeof t === 'string' ? t : drizzleTableName(t));
  return { spec: { table: name(table), into: name(into), columns, select }, settings: { ...settings, onEvent: foldProgress(onProgress, onEvent) } };
}

/**
 * Copies every row of `table` into `into` in keyset batches, with a backfill's checkpoints (a
 * stopped or killed copy resumes after its last committed batch, and copies no row twice), pacing,
 * replica-lag pauses and lock retries. Each batch is `INSERT INTO into (columns) SELECT select
 * FROM table WHERE key range ORDER BY key FOR SHARE ON CONFLICT DO NOTHING`: it is the copy step
 * of rewrite-table, whose trigger mirrors the application's writes into the new table meanwhile.
 *
 * ```ts
 * await copy(db, { table: 'public.items', into: 'public.items_sdk_new', columns: ['id', 'qty'], select: ['id', 'qty::bigint'] });
 * ```
 */
export async function copy(target: BackfillTarget, options: CopyOptions): Promise<BackfillResult> {
  const { spec, settings } = compileCopy(options);
  return withSession(target, (client) => runCopy(client, spec, settings));
}

/** Counts the rows that match and times one rolled-back batch: what `backfill` would take. */
export async function planBackfill(target: BackfillTarget, options: BackfillOptions): Promise<BackfillDryRun> {
  const { spec, settings } = await compileBackfill(options);
  return withSession(target, (client) => dryRunBackfill(client, spec, settings));
}

/** The backfills recorded in this database: running, interrupted, failed and finished, with progress. */
export async function listBackfills(target: BackfillTarget): Promise<BackfillRecord[]> {
  return withSession(target, (client) => listBackfillRecords(client));
}

export { ensureBackfillMetadata };
