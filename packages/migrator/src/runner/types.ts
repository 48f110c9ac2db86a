import type pg from 'pg';
import type { RetryReason } from '../db/lock-retry.js';
import type { BlockingSession, InvalidIndex, RunInProgress } from '../db/types.js';
import type { Phase, SqlStatement } from '../sql/types.js';

export type { Phase, SqlStatement, BlockingSession, InvalidIndex, RunInProgress };

/** What an applied migration's edit changed, judged on the statements' parse trees. */
export interface MigrationEdit {
  /**
   * `comments`: only comments, whitespace, keyword case or statement breakpoints changed: the same
   * statements run, nothing blocks. `statements`: what runs changed. `unknown`: the text that was
   * applied is neither recorded nor in git, so it cannot be compared.
   */
  change: 'comments' | 'statements' | 'unknown';
  /** Whether git tracks the file (so `git checkout` can restore it). */
  tracked: boolean;
  /** For `statements`, when the applied text is known: the 1-based numbers of the statements that differ (or were added or removed). */
  statements?: number[] | undefined;
}

/** State of one migration as `status` reports it. */
export type MigrationState = 'applied' | 'pending' | 'modified' | 'missing' | 'out-of-order';

/** One entry of drizzle-kit's `meta/_journal.json` with its SQL file read. */
export interface MigrationFile {
  idx: number;
  tag: string;
  /** Journal `when` (ms): drizzle stores it as `created_at` in `drizzle.__drizzle_migrations`. */
  when: number;
  breakpoints: boolean;
  /** Absolute path of `<tag>.sql`. */
  path: string;
  /** File contents, exactly as read. */
  sql: string;
  /** sha256 hex of the file contents: the same hash drizzle-orm's migrator stores. */
  hash: string;
}

export interface PlannedMigration {
  tag: string;
  idx: number;
  when: number;
  hash: string;
  path: string;
  phase: Phase;
  /** `comment` when the file overrides the inferred phase with `-- sdk:phase expand|contract`. */
  phaseSource: 'inferred' | 'comment';
  phaseReason: string;
  /** From the file's `-- sdk:lock-timeout` comment: the runner waits for locks at most the shorter of it and its own lock timeout. */
  lockTimeoutMs?: number | undefined;
  statements: SqlStatement[];
  /** When the run of this migration resumes after a crash: statements already done. */
  resumeFrom: number;
}

export interface RunnerOptions {
  /** Connection string of the target database. */
  databaseUrl: string;
  /** Folder holding `meta/_journal.json` and the `NNNN_tag.sql` files. */
  migrationsFolder: string;
  /** `lock_timeout` for every statement (ms). */
  lockTimeoutMs?: number;
  /** `statement_timeout` for statements that hold blocking locks (ms); 0 = none. */
  statementTimeoutMs?: number;
  /**
   * How long to keep retrying a statement that lost a lock race (lock timeout, deadlock), from
   * its first attempt (ms). Default DEFAULT_RETRY_FOR_MS, unless only `maxRetries` is given.
   */
  retryForMs?: number;
  /** Attempts after a lock timeout before giving up, whatever the time (default: no count, only `retryForMs`). */
  maxRetries?: number;
  /**
   * A transaction that changed at least this many rows is not retried after a lock timeout or
   * deadlock: each attempt would lock them all again (default DEFAULT_RETRY_ROW_LIMIT).
   */
  retryRowLimit?: number;
  /** How long to wait for another runner's advisory lock (ms). */
  advisoryLockWaitMs?: number;
  /** Attempts to rebuild an index left INVALID by a failed concurrent build. */
  maxIndexRebuilds?: number;
  /** Receives progress events; the library never prints. */
  onEvent?: (event: RunnerEvent) => void;
  /** Who runs it, for the audit history (defaults: OS user, hostname, git sha from env/`git`). */
  actor?: { user?: string; host?: string; gitSha?: string };
}

export interface MigrateOptions extends RunnerOptions {
  /**
   * `expand`: stop before the first contract migration. `contract`: apply what `expand` held
   * back, refusing while an expand migration is still pending before it. Default `all`.
   */
  phase?: 'expand' | 'contract' | 'all';
  /** Aborting it (Ctrl-C) cancels the running statement, rolls back its transaction and ends the run as interrupted. */
  signal?: AbortSignal;
  /** Stop after this migration tag (inclusive). */
  to?: string;
  dryRun?: boolean;
  allowOutOfOrder?: boolean;
  /**
   * Forget what was recorded as done of these partly applied migrations, so they run again from
   * their first statement. For a migration that never finished and whose completed statement was
   * then edited: check the schema first (what ran stays done in the database).
   */
  resetProgress?: string[];
  /**
   * The seam for work that must happen between migrations (tracked data migrations): called under
   * the migration lock, on the runner's session, once before the first pending migration and
   * again after each applied one, with the tags applied so far. If it throws, the run stops there
   * and no later migration is applied. Not called on a dry run.
   */
  between?: ((point: { appliedTags: readonly string[]; justApplied: string | null; client: pg.Client; signal: AbortSignal | undefined }) => Promise<void>) | undefined;
}

export interface AppliedMigration {
  tag: string;
  phase: Phase;
  statements: number;
  durationMs: number;
  /** Lock-timeout retries this migration needed. */
  retries: number;
  resumed: boolean;
}

export interface MigrateResult {
  dryRun: boolean;
  /** What would run / ran, in order. */
  plan: PlannedMigration[];
  applied: AppliedMigration[];
  /** Why the run stopped before applying everything pending, if it did. */
  stopped?: { reason: 'phase'; beforeTag: string; phaseReason: string } | { reason: 'to'; afterTag: string } | undefined;
  /** Indexes found INVALID and rebuilt. */
  rebuiltIndexes: string[];
  /** Pending migrations that were not applied (stopped early). */
  remaining: string[];
}

export interface MigrationStatus {
  tag: string;
  phase: Phase;
  state: MigrationState;
  appliedAt?: string | undefined;
  /** For an edited applied migration (`modified`, or `applied` with an edit of comments only): both hashes and what changed. */
  fileHash?: string | undefined;
  appliedHash?: string | undefined;
  edit?: MigrationEdit | undefined;
}




/** Where the database stands against the migrations folder (the runner's part of `status`). */
export interface MigrationsReport {
  /** Target, password redacted. */
  target: string;
  serverVersion: string;
  migrations: MigrationStatus[];
  invalidIndexes: InvalidIndex[];
  runInProgress: RunInProgress | null;
  /** The last audit record, if any. */
  lastRun: { outcome: string; startedAt: string; finishedAt: string | null; error: string | null } | null;
  /** True when something needs a person: pending, modified, missing, out-of-order, invalid indexes, interrupted run. */
  needsAttention: boolean;
}

export type RunnerEvent =
  | { type: 'advisory-lock-wait'; holder: RunInProgress | null }
  | { type: 'advisory-lock-acquired'; waitedMs: number }
  | { type: 'adopted-drizzle-history'; count: number }
  | { type: 'migration-start'; tag: string; phase: Phase; statements: number; resumeFrom: number }
  | { type: 'statement-start'; tag: string; index: number; sql: string; transactional: boolean }
  | { type: 'statement-done'; tag: string; index: number; durationMs: number }
  | {
      /** A statement lost a lock race; everything was rolled back and it runs again after `backoffMs`. */
      type: 'retry';
      reason: RetryReason;
      tag: string;
      index: number;
      /** The attempt that failed, from 1. */
      attempt: number;
      /** The most attempts there will be, when the budget is a count. */
      maxAttempts?: number | undefined;
      /** Time left to retry in, when the budget is a time (ms). */
      remainingMs?: number | undefined;
      backoffMs: number;
      blockers: BlockingSession[];
    }
  | {
      type: 'invalid-index';
      index: string;
      attempt: number;
      /**
       * `drop-and-rebuild`: the statement's own index, INVALID, is dropped and built again;
       * `drop-leftover`: another INVALID index with the same definition (an earlier failed
       * build under another name) is dropped; `drop-duplicate`: an INVALID copy of a valid index
       * is dropped; `rebuild`: an INVALID index a migration created is rebuilt in place.
       */
      action: 'drop-and-rebuild' | 'drop-leftover' | 'drop-duplicate' | 'rebuild';
    }
  | { type: 'index-named'; tag: string; index: number; name: string }
  | { type: 'progress-remapped'; tag: string; kept: number; rerun: number }
  | { type: 'progress-reset'; tag: string; statements: number }
  | { type: 'warning'; message: string }
  | { type: 'migration-done'; tag: string; durationMs: number; retries: number }
  | { type: 'stopped'; reason: 'phase' | 'to'; tag: string };
