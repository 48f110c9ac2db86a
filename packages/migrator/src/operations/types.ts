import type { Queryable } from '../db/metadata.js';

/**
 * The guide's expand/contract patterns as operations (docs/operations.md). An operation checks
 * its input against the database it will run on (`resolve`), then `plan` turns what it found
 * into named steps. The same plan is printed by a dry run, written as migration files, and run
 * by the runner and the data-migration runner; the linter's help for the statement an operation
 * replaces is the same plan, printed.
 */

/** Where a step belongs: before the deploy (expand), filling rows (backfill), or after it (contract). */
export type OperationPhase = 'expand' | 'backfill' | 'contract';

export interface SqlStep {
  kind: 'sql';
  /** Short name: `add column`, `validate check`. */
  name: string;
  phase: 'expand' | 'contract';
  /** One statement, ending with `;`. */
  sql: string;
  /** False for CREATE INDEX CONCURRENTLY and the like: the runner runs it outside a transaction. */
  transaction: boolean;
  /**
   * The step must start in a transaction after the earlier steps committed (VALIDATE after
   * ADD ... NOT VALID): the files the plan is written to start a new migration here.
   */
  afterCommit?: boolean | undefined;
  /** lock_timeout of the step (ms), written into its migration file for the runner. */
  lockTimeoutMs: number;
  /** What it locks and for how long, in words. */
  locks: string;
}

/** Rows set by the backfill engine (docs/backfill.md): `UPDATE table SET set WHERE where`, in keyset batches. */
export interface BackfillStep {
  kind: 'backfill';
  name: string;
  phase: 'backfill';
  /** Table as PostgreSQL reads it (quoted where needed). */
  table: string;
  set: string;
  where?: string | undefined;
  /**
   * Set when the value for existing rows was not given: the data migration is written with a
   * placeholder that refuses to run with this message.
   */
  missing?: string | undefined;
  locks: string;
}

/** Rows copied into another table in keyset batches (rewrite-table): `INSERT INTO into SELECT ... FROM table`. */
export interface CopyStep {
  kind: 'copy';
  name: string;
  phase: 'backfill';
  /** Source table, quoted. */
  table: string;
  /** Target table, quoted. */
  into: string;
  /** Target columns, quoted, and the source expressions that fill them, in order. */
  columns: string[];
  select: string[];
  locks: string;
}

export type OperationStep = SqlStep | BackfillStep | CopyStep;

export interface OperationPlan {
  /** The operation's kind: `add-required-column`. */
  operation: string;
  /** What the whole operation does, one line. */
  summary: string;
  /** The table it changes, as the user reads it (`auth.users`). */
  table: string;
  steps: OperationStep[];
  /** Statements that undo the expand steps (in order), for `sdk db rollback-operation`. */
  rollback: string[];
  /** What the application must do between expand and contract. */
  deploy: string;
}

/** The lock_timeout of a step whose lock does not block writes (SHARE UPDATE EXCLUSIVE: VALIDATE, CONCURRENTLY). */
export const STEP_LOCK_TIMEOUT_MS = 2_000;
/**
 * The lock_timeout of a step that takes a lock blocking writes (ACCESS EXCLUSIVE, SHARE ROW
 * EXCLUSIVE), even for an instant: while it waits, every query of the application on the table
 * queues behind it, so it gives up soon and the runner tries again after a pause (with backoff,
 * for up to its retry budget). Below the 300 ms a user notices; also well below deadlock_timeout
 * (1 s), the wait after which PostgreSQL cancels an autovacuum in the way, which the bench saw
 * stall the application for a second after a large backfill.
 */
export const BLOCKING_STEP_LOCK_TIMEOUT_MS = 200;

export interface Operation<Input, Resolved> {
  kind: string;
  /** One line for `sdk db new --help`. */
  summary: string;
  /**
   * Checks the input against the schema it will be applied to and returns what the plan needs
   * (types, defaults, constraint names). Throws a MigratorError `E_OPERATION` that says what is
   * wrong and what to do instead.
   */
  resolve(db: Queryable, input: Input): Promise<Resolved>;
  plan(resolved: Resolved): OperationPlan;
}
