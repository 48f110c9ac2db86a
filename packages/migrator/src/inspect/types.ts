import type { LockMode, RelationEffect, Violation } from '../lint/index.js';
import type { Phase } from '../sql/types.js';

/** What the live database says about one relation a pending statement touches. */
export interface RelationSize {
  /** `schema.name`, as the linter keys relations. */
  relation: string;
  /** Whether it exists in the target database right now. */
  exists: boolean;
  /** pg_class.relkind spelled out: `table`, `partitioned table`, `materialized view`, `index`, `view`, ... */
  kind?: string | undefined;
  /** Rows, from where `rowsFrom` says; null when unknown (a new table, or locked and never analyzed). */
  rows: number | null;
  /**
   * `statistics`: pg_class.reltuples, the planner's estimate as of the last VACUUM or ANALYZE;
   * `count`: counted exactly (never analyzed, and small enough to count); `pages`: never analyzed
   * and too big to count, so estimated as PostgreSQL's planner does, from its pages and the rows a
   * page holds at its columns' width.
   */
  rowsFrom?: 'statistics' | 'count' | 'pages' | undefined;
  /** Heap bytes (pg_relation_size; for a partitioned table, of every partition): what a scan reads. */
  tableBytes: number | null;
  /** pg_total_relation_size: heap, TOAST and indexes, what a rewrite writes again. */
  totalBytes: number | null;
  /** Set when the size is an estimate, saying why. */
  sizeNote?: string | undefined;
  /** The tag of the pending migration that creates it, when it does not exist yet: it starts empty. */
  createdBy?: string | undefined;
}

/** One relation effect of a statement, with what it blocks, the table's size and the time it costs. */
export interface PlannedEffect extends RelationEffect {
  /** locks.ts blocks(): what the application can no longer do while the lock is held. */
  blocks: string;
  size: RelationSize;
  /** Estimated time of the rewrite or scan on this relation; 0 when catalog-only; null when unknown. */
  estimatedMs: number | null;
  /** How the estimate was made: "rewrite of 1.2 GB at 95 MB/s". */
  estimateBasis: string;
}

export interface PlannedStatement {
  /** 0-based position in the file (top-level statements; a DO block's inner statements are folded into it). */
  index: number;
  line: number;
  column: number;
  /** The statement text, cut to one line of at most SQL_EXCERPT_LENGTH characters. */
  sql: string;
  kind: string;
  transactional: boolean;
  nonTransactionalReason?: string | undefined;
  phase: Phase;
  effects: PlannedEffect[];
  /** Sum of the effects' estimates; null when one of them is unknown. */
  estimatedMs: number | null;
  /** The lint findings on this statement, judged with the live database's column types and constraints. */
  violations: Violation[];
}

/** A lock a migration's transaction keeps from the statement that takes it until its commit. */
export interface HeldLock {
  relation: string;
  /** The strongest lock the transaction takes on the relation. */
  lock: LockMode;
  blocks: string;
  /** The statement (index) that takes `lock`: it is held from there until the commit. */
  fromStatement: number;
  /** Estimated time from that statement to the end of the transaction; null when unknown. */
  estimatedMs: number | null;
  /** Weaker locks the transaction holds on the relation before that statement, each from the statement that takes it, in order. */
  before: { lock: LockMode; blocks: string; fromStatement: number }[];
}

export interface PlannedMigrationReport {
  tag: string;
  /** `out-of-order` when older than the newest applied migration (`sdk db migrate --allow-out-of-order`). */
  state: 'pending' | 'out-of-order';
  phase: Phase;
  phaseReason: string;
  statements: PlannedStatement[];
  /** Findings about the file as a whole (syntax errors, unused ignore comments). */
  fileViolations: Violation[];
  /** The locks each transaction of the migration holds until it commits, and for how long. */
  locksHeld: HeldLock[];
  estimatedMs: number | null;
}

/** A scan/rewrite rate measured on the target server. */
export interface Rate {
  bytesPerSecond: number;
  rowsPerSecond: number;
  /** How long the measured operation took on the probe table. */
  ms: number;
}

export interface MeasuredRates {
  /** How it was measured, for the reader: a temporary table of N rows, rolled back. */
  method: string;
  probeRows: number;
  probeBytes: number;
  /** A sequential scan (validations, SET NOT NULL, VALIDATE CONSTRAINT). */
  scan: Rate;
  /** A B-tree index build (CREATE INDEX, UNIQUE/PRIMARY KEY constraints). */
  indexBuild: Rate;
  /** A table rewrite, indexes included (ALTER COLUMN TYPE, volatile DEFAULT). */
  rewrite: Rate;
  /** Wall time of the whole measurement. */
  measuredMs: number;
}

/** A session holding or waiting for a lock on a table the pending migrations touch. */
export interface LockSession {
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  /** Seconds since its transaction began; null outside a transaction. */
  transactionSeconds: number | null;
  /** Seconds in its current state (e.g. idle in transaction). */
  stateSeconds: number | null;
  waitEvent: string | null;
  /** The last query, one line, cut to QUERY_TEXT_LIMIT characters. */
  query: string;
  locks: { relation: string; mode: LockMode | string; granted: boolean }[];
  /** Holds at least one granted lock on a touched table. */
  holding: boolean;
  /** Waits for a lock on a touched table. */
  waiting: boolean;
  /** Idle in transaction: holds its locks while doing nothing. */
  idleInTransaction: boolean;
  /** Its transaction is older than DEFAULT_LONG_TRANSACTION_SECONDS. */
  longTransaction: boolean;
}

export interface PlanReport {
  /** The target, password redacted. */
  target: string;
  serverVersion: string;
  /** The PostgreSQL major version the verdicts are for. */
  pgVersion: number;
  migrations: PlannedMigrationReport[];
  /** Rates measured on this server; null when they could not be measured (then `ratesError`). */
  rates: MeasuredRates | null;
  ratesError?: string | undefined;
  /** Sessions holding or waiting for locks on the touched tables. */
  lockHolders: LockSession[];
  /** Other sessions of the database in a long transaction or idle in transaction: CONCURRENTLY waits for them. */
  longTransactions: LockSession[];
  /** Things about the folder a reader must know (edited or missing applied migrations). */
  notes: string[];
  errors: number;
  warnings: number;
  /** Sum of the pending migrations' estimates; null when one is unknown. */
  estimatedMs: number | null;
  /** How long the plan took. */
  durationMs: number;
}

/** Locks a traced statement actually took on one relation. */
export interface ObservedLock {
  relation: string;
  kind: string;
  /** The strongest mode held. */
  lock: LockMode;
  /** Every mode held, weakest first. */
  modes: LockMode[];
}

export interface TracedStatement {
  index: number;
  line: number;
  sql: string;
  kind: string;
  /** `traced`; `not-traced` (runs outside a transaction: applied to the scratch database, not measured); `failed`; `skipped` (after a failure). */
  status: 'traced' | 'not-traced' | 'failed' | 'skipped';
  /** Why it was not traced, or the error it failed with. */
  reason?: string | undefined;
  /** What the static analysis (effects.ts) says, relation by relation. */
  expected: { relation: string; lock: LockMode; rewrite: boolean; scan: boolean }[];
  /** Locks the statement took on existing relations (its own new objects left out). */
  observed: ObservedLock[];
  /** Relations whose relfilenode changed: rewritten. Tables and materialized views. */
  rewritten: string[];
  /** Indexes rebuilt (new relfilenode), for information. */
  rebuiltIndexes: string[];
  /** Tables the statement read with a sequential scan (pg_stat_xact_user_tables.seq_scan), for information. */
  scanned: string[];
  durationMs: number;
}

export type DisagreementKind =
  | 'static-lock-weaker'
  | 'static-lock-stronger'
  | 'lock-not-taken'
  | 'lock-missing-from-static'
  | 'rewrite-not-done'
  | 'rewrite-missing-from-static';

/** Where effects.ts and the trace disagree: a bug in the static analysis (or a rule built on it). */
export interface Disagreement {
  tag: string;
  line: number;
  sql: string;
  relation: string;
  kind: DisagreementKind;
  /** What the static analysis says: a lock mode, `rewrite` / `no rewrite`, or `none`. */
  expected: string;
  observed: string;
  message: string;
}

export interface TracedMigration {
  tag: string;
  statements: TracedStatement[];
  /** Why none of its statements could be traced (the file does not parse, an earlier failure). */
  error?: string | undefined;
}

export interface TraceReport {
  target: string;
  serverVersion: string;
  pgVersion: number;
  /** The scratch database (dropped at the end; never created when nothing is pending). */
  scratchDatabase: string;
  /** How the scratch database got the target's schema. */
  schemaCopy: { method: 'pg_dump' | 'replay' | 'none'; detail: string };
  migrations: TracedMigration[];
  disagreements: Disagreement[];
  /** Statements that failed on the scratch database. */
  failures: number;
  /** Whether the scratch database was dropped. */
  scratchDropped: boolean;
  durationMs: number;
}
