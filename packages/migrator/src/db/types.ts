import type { Blocker } from '../errors.js';

/** Sessions and indexes as the floor reads them from pg_stat_activity, pg_locks and pg_index. */

export interface InvalidIndex {
  schema: string;
  name: string;
  table: string;
}

/** A session in the way of the runner, with what it is doing. */
export interface BlockingSession extends Blocker {
  waitEvent?: string | null;
}

/** A client session of the database as `sdk db locks` reports it (ages in seconds, query truncated, never its parameters). */
export interface SessionActivity extends BlockingSession {
  waitEventType: string | null;
  /** The sessions it waits for right now (pg_blocking_pids); empty when it waits for none. */
  blockedBy: number[];
  /** Age of its open transaction; null outside one. */
  transactionSeconds: number | null;
  /** How long it has been in its state: waiting for the lock, idle in its transaction, running its query. */
  stateSeconds: number | null;
  /** The lock it waits for, e.g. `AccessExclusiveLock on public.orders`; null when it waits for none. */
  waitingFor: string | null;
}

export interface RunInProgress {
  pid: number;
  host: string | null;
  user: string | null;
  since: string;
  /** Migration being applied and how far, when known. */
  tag?: string | null;
  statementsDone?: number | null;
}
