import type { RetryPolicy } from '../db/lock-retry.js';

/** What a backfill changes, as SQL text (the CLI's --set/--where, or a Drizzle spec compiled). */
export interface BackfillSpec {
  /** Table name as PostgreSQL reads it (`public.items`, `"Odd"."Name"`); resolved with to_regclass. */
  table: string;
  /** The SET list of the UPDATE, e.g. `score = id % 100`. */
  set: string;
  /** Which rows need it, e.g. `score IS NULL`; re-checked in every batch. All rows when omitted. */
  where?: string | undefined;
  /** Values for $1, $2... in `set` and `where` (a compiled Drizzle spec has them). */
  params?: readonly unknown[] | undefined;
  /** How many of `params` the SET list uses (they come first); the rest are the WHERE's. */
  setParams?: number | undefined;
}

/**
 * What a copy moves (rewrite-table's "new table, copy in batches, swap"): every row of `table`
 * into `into`, in the same keyset batches, checkpoints and pacing as a backfill. Each batch is
 * `INSERT INTO into (columns) SELECT select FROM table WHERE key range ORDER BY key FOR SHARE
 * ON CONFLICT DO NOTHING`: FOR SHARE makes a concurrent UPDATE or DELETE of a row wait for the
 * batch (so a trigger mirroring writes into `into` sees the copied row and replaces or deletes
 * it), and a row already in `into` (written there by such a trigger) is newer and is kept.
 */
export interface CopySpec {
  /** Source table (`public.items`), resolved with to_regclass; walked by its key. */
  table: string;
  /** Target table, resolved the same way. */
  into: string;
  /** Target columns as SQL identifiers, quoted where needed: `id`, `"Email"`. */
  columns: readonly string[];
  /** The source expressions that fill them, in order (`id`, `qty::bigint`). Default: the same names as `columns`. */
  select?: readonly string[] | undefined;
}

export interface BackfillSettings {
  /** Checkpoint key: the same name resumes. Default: derived from table, set and where. */
  name?: string | undefined;
  /** Target duration of one batch (ms); the batch size adapts to it. Default 100. */
  batchMs?: number | undefined;
  /** Upper bound on rows per batch. Default 50,000. */
  maxRowsPerBatch?: number | undefined;
  /** Rows in the first batch, before the size adapts. Default 1,000. */
  firstBatchRows?: number | undefined;
  /** Rest after every batch (ms), on top of what the throttle decides. Default 0. */
  pauseMs?: number | undefined;
  /** Pause while a streaming replica lags more than this (ms), read from pg_stat_replication. */
  maxReplicaLagMs?: number | undefined;
  /** lock_timeout of each batch (ms). Default 2 s. */
  lockTimeoutMs?: number | undefined;
  /** statement_timeout of each batch (ms). Default 60 s. */
  statementTimeoutMs?: number | undefined;
  /** How long to keep retrying a batch that loses a lock race. Default 2 minutes. */
  retry?: RetryPolicy | undefined;
  /**
   * Yield to the application when the server is busy: batches that slow down, or other sessions
   * waiting, add a rest after each batch. Default true; false runs flat out.
   */
  throttle?: boolean | undefined;
  /** Count matching rows and time one batch (rolled back) instead of changing anything. */
  dryRun?: boolean | undefined;
  /** Stops after the batch in progress (Ctrl-C). */
  signal?: AbortSignal | undefined;
  /**
   * Awaited before each batch, holding no lock: the batch starts when it resolves (the deploy's
   * watcher holds it while the application suffers); a rejection fails the backfill, which
   * resumes after its last committed batch when run again.
   */
  hold?: ((signal: AbortSignal | undefined) => Promise<void>) | undefined;
  onEvent?: ((event: BackfillEvent) => void) | undefined;
  /** Recorded with the checkpoint; default from the OS. */
  actor?: { user?: string | undefined; host?: string | undefined } | undefined;
}

export type BackfillEvent =
  | { type: 'start'; name: string; table: string; key: string[]; resumed: boolean; rowsDone: number; estimatedRows: number }
  | { type: 'batch'; name: string; batch: number; rows: number; scanned: number; ms: number; nextSize: number; restMs: number }
  | { type: 'progress'; name: string; rowsDone: number; rowsScanned: number; estimatedRows: number; rowsPerSecond: number; etaMs: number | null }
  | { type: 'retry'; name: string; reason: string; attempt: number; waitMs: number }
  | { type: 'replica-lag'; name: string; lagMs: number; maxMs: number }
  | { type: 'done'; name: string; alreadyFinished: boolean };

export interface BackfillResult {
  name: string;
  table: string;
  /** Rows changed, this run and earlier ones of the same backfill. */
  rows: number;
  /** Rows changed by this run. */
  rowsThisRun: number;
  batches: number;
  durationMs: number;
  rowsPerSecond: number;
  batchMs: { p50: number; p99: number; max: number };
  /** This run continued an interrupted one. */
  resumed: boolean;
  /** It had finished before: nothing was done. */
  alreadyFinished: boolean;
}

export interface BackfillDryRun {
  name: string;
  table: string;
  key: string[];
  /** Rows that match `where` now. */
  matchingRows: number;
  /** Rows in the table (estimate from the statistics). */
  tableRows: number;
  /** Rows per second one rolled-back batch reached on this server. */
  measuredRowsPerSecond: number;
  estimatedMs: number;
}

/** A backfill as its checkpoint row records it (`sdk db backfills`). */
export interface BackfillRecord {
  name: string;
  table: string;
  /** The SET list; for a copy, the target columns and the expressions that fill them: `(id, qty) SELECT id, qty::bigint`. */
  set: string;
  where: string | null;
  /** The table a copy writes into; null for a backfill (an UPDATE). */
  into: string | null;
  key: string[];
  status: 'running' | 'interrupted' | 'failed' | 'finished';
  /** Running now: a session holds its lock. A 'running' row without one was killed. */
  active: boolean;
  rows: number;
  scanned: number;
  batches: number;
  durationMs: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
  user: string | null;
  host: string | null;
  /** Rows in the table (statistics), for a percentage. */
  tableRows: number | null;
}
