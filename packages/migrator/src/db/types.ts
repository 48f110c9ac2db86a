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

export interface RunInProgress {
  pid: number;
  host: string | null;
  user: string | null;
  since: string;
  /** Migration being applied and how far, when known. */
  tag?: string | null;
  statementsDone?: number | null;
}
