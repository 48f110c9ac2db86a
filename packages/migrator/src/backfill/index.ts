import type pg from 'pg';
import { connect } from '../db/connect.js';
import { compileDrizzleSpec, type DrizzleTable, type SetInput, type WhereInput } from './drizzle.js';
import { dryRunBackfill, runBackfill } from './engine.js';
import { ensureBackfillMetadata, listBackfillRecords } from './checkpoint.js';
import type { BackfillDryRun, BackfillEvent, BackfillRecord, BackfillResult, BackfillSettings, BackfillSpec } from './types.js';

export { DEFAULT_BATCH_MS, DEFAULT_MAX_ROWS_PER_BATCH, Pace, runBackfill } from './engine.js';
export { compileDrizzleSpec } from './drizzle.js';
export type { BackfillDryRun, BackfillEvent, BackfillRecord, BackfillResult, BackfillSettings, BackfillSpec } from './types.js';
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

async function compile(options: BackfillOptions): Promise<{ spec: BackfillSpec; settings: BackfillSettings }> {
  const { table, set, where, onProgress, onEvent, ...settings } = options;
  const spec = await compileDrizzleSpec(table, set, where);
  return {
    spec,
    settings: {
      ...settings,
      onEvent: (event) => {
        if (event.type === 'progress') onProgress?.(event);
        onEvent?.(event);
      },
    },
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
  const { spec, settings } = await compile(options);
  const { client, done } = await session(target);
  try {
    return await runBackfill(client, spec, settings);
  } finally {
    await done().catch(() => {});
  }
}

/** Counts the rows that match and times one rolled-back batch: what `backfill` would take. */
export async function planBackfill(target: BackfillTarget, options: BackfillOptions): Promise<BackfillDryRun> {
  const { spec, settings } = await compile(options);
  const { client, done } = await session(target);
  try {
    return await dryRunBackfill(client, spec, settings);
  } finally {
    await done().catch(() => {});
  }
}

/** The backfills recorded in this database: running, interrupted, failed and finished, with progress. */
export async function listBackfills(target: BackfillTarget): Promise<BackfillRecord[]> {
  const { client, done } = await session(target);
  try {
    return await listBackfillRecords(client);
  } finally {
    await done().catch(() => {});
  }
}

export { ensureBackfillMetadata };
