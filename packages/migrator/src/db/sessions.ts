import type pg from 'pg';
import type { BlockingSession, InvalidIndex, SessionActivity } from './types.js';

/** Query text longer than this is cut in reports. */
export const QUERY_TEXT_LIMIT = 200;

type Queryable = Pick<pg.Client, 'query'>;

interface ActivityRow {
  pid: number;
  state: string | null;
  seconds: string | null;
  wait_event: string | null;
  query: string | null;
  usename: string | null;
  application_name: string | null;
  waits_for_us?: boolean | null;
}

function toSession(row: ActivityRow): BlockingSession {
  const query = (row.query ?? '').replace(/\s+/g, ' ').trim();
  return {
    pid: row.pid,
    state: row.state,
    durationSeconds: Math.round(Number(row.seconds ?? 0)),
    waitEvent: row.wait_event,
    query: query.length > QUERY_TEXT_LIMIT ? `${query.slice(0, QUERY_TEXT_LIMIT - 1)}…` : query,
    user: row.usename,
    application: row.application_name,
    ...(row.waits_for_us ? { waitsForUs: true } : {}),
  };
}

const ACTIVITY_COLUMNS = `pid, state, wait_event, left(query, ${QUERY_TEXT_LIMIT * 2}) AS query, usename, application_name,
  extract(epoch FROM (clock_timestamp() - coalesce(xact_start, query_start, backend_start))) AS seconds`;

/**
 * Sessions that block `pid` right now (pg_blocking_pids), with what they are doing. A session
 * that in turn waits for `pid` (`waitsForUs`) is part of a cycle: it holds a lock `pid` needs
 * only because it already waits for a lock `pid` holds (the application's UPDATE waiting for a
 * migration's row locks while the migration's ALTER waits for it). Ending it is not the fix.
 */
export async function blockersOf(db: Queryable, pid: number): Promise<BlockingSession[]> {
  const { rows } = await db.query<ActivityRow>(
    `SELECT ${ACTIVITY_COLUMNS}, $1 = ANY (pg_blocking_pids(pid)) AS waits_for_us
       FROM pg_stat_activity WHERE pid = ANY (pg_blocking_pids($1)) ORDER BY xact_start NULLS LAST`,
    [pid],
  );
  return rows.map(toSession);
}

interface SessionRow extends ActivityRow {
  wait_event_type: string | null;
  blocked_by: number[];
  xact_seconds: string | null;
  state_seconds: string | null;
  waiting_for: string | null;
}

/**
 * Every other client session of this database with what `sdk db locks` reports: the sessions it
 * waits for (pg_blocking_pids), how long it has been in its state (waiting for a lock, idle in
 * its transaction) and in its transaction, and the lock it waits for. One query; the same
 * columns, truncation and ages as blockersOf, so the runner's errors and the report agree.
 * https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-SESSION-TABLE
 */
export async function clientSessions(db: Queryable): Promise<SessionActivity[]> {
  const { rows } = await db.query<SessionRow>(
    `SELECT ${ACTIVITY_COLUMNS}, wait_event_type, pg_blocking_pids(pid) AS blocked_by,
            extract(epoch FROM (clock_timestamp() - xact_start)) AS xact_seconds,
            extract(epoch FROM (clock_timestamp() - state_change)) AS state_seconds,
            (SELECT l.mode || ' on ' || CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text
                                             WHEN l.locktype = 'transactionid' THEN 'a row (until transaction ' || l.transactionid || ' ends)'
                                             ELSE l.locktype END
               FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted LIMIT 1) AS waiting_for
       FROM pg_stat_activity a
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
      ORDER BY xact_start NULLS LAST, pid`,
  );
  return rows.map((row) => {
    const seconds = (value: string | null) => (value === null ? null : Math.round(Number(value)));
    return {
      ...toSession(row),
      waitEventType: row.wait_event_type,
      blockedBy: row.blocked_by.filter((pid) => pid !== row.pid),
      transactionSeconds: seconds(row.xact_seconds),
      stateSeconds: seconds(row.state_seconds),
      waitingFor: row.waiting_for,
    };
  });
}

/** Indexes left INVALID (typically by a failed CREATE INDEX CONCURRENTLY). */
export async function invalidIndexes(db: Queryable): Promise<InvalidIndex[]> {
  const { rows } = await db.query<InvalidIndex>(
    `SELECT n.nspname AS schema, c.relname AS name, t.relname AS "table"
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid
      ORDER BY 1, 2`,
  );
  return rows;
}

/** Whether an index exists, and whether it is valid; `null` when it does not exist. */
export async function indexValidity(db: Queryable, schema: string | undefined, name: string): Promise<{ valid: boolean; schema: string } | null> {
  const { rows } = await db.query<{ valid: boolean; schema: string }>(
    `SELECT i.indisvalid AND i.indisready AS valid, n.nspname AS schema
       FROM pg_class c
       JOIN pg_index i ON i.indexrelid = c.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND ($2::text IS NULL AND n.nspname = ANY (current_schemas(false)) OR n.nspname = $2)
      LIMIT 1`,
    [name, schema ?? null],
  );
  return rows[0] ?? null;
}

/** INVALID copies named `<name>_ccnew[N]` or `<name>_ccold[N]` that REINDEX CONCURRENTLY leaves when interrupted. */
export async function reindexLeftovers(db: Queryable, schema: string | undefined, name: string): Promise<{ schema: string; name: string }[]> {
  const { rows } = await db.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid
        AND left(c.relname, length($1)) = $1 AND substr(c.relname, length($1) + 1) ~ '^_cc(new|old)[0-9]*$'
        AND ($2::text IS NULL AND n.nspname = ANY (current_schemas(false)) OR n.nspname = $2)`,
    [name, schema ?? null],
  );
  return rows;
}

export { quoteIdent } from '../sql/quote.js';

/** What the deploy's watcher samples on the tables a deploy touches (watchDeploy). */
export interface TableActivity {
  /** Sessions waiting for a lock while holding or asking for one on a watched table. */
  lockWaits: Array<{ pid: number; waitingMs: number; query: string }>;
  /** The longest running statement (state active) of another session, on any table. */
  longestQuery: { pid: number; runningMs: number; query: string } | null;
  /** Transactions holding a lock on a watched table, the oldest first: the next DDL would queue behind them. */
  holders: Array<{ pid: number; transactionMs: number; state: string | null; query: string }>;
}

/**
 * One read of pg_stat_activity and pg_locks for the deploy's watcher: who waits for a lock on
 * `tables` (a session waiting, with any lock on one of them; the wait is measured from its
 * statement's start, which bounds it from above), the longest running statement, and the
 * transactions holding locks on `tables`. `tables` are names as the planner writes them
 * (`schema.table`, unquoted, case kept); those that do not exist yet are ignored. `exclude`: the deploy's own sessions.
 */
export async function tableActivity(db: Queryable, tables: readonly string[], exclude: readonly number[]): Promise<TableActivity> {
  const { rows } = await db.query<{
    pid: number;
    state: string | null;
    waiting: boolean;
    touches: boolean;
    query_ms: string | null;
    xact_ms: string | null;
    query: string | null;
  }>(
    `WITH watched AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname || '.' || c.relname = ANY ($1::text[]))
     SELECT a.pid, a.state, a.wait_event_type = 'Lock' AS waiting,
            EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.relation IN (SELECT oid FROM watched)) AS touches,
            extract(epoch FROM (clock_timestamp() - a.query_start)) * 1000 AS query_ms,
            extract(epoch FROM (clock_timestamp() - a.xact_start)) * 1000 AS xact_ms,
            left(a.query, ${QUERY_TEXT_LIMIT * 2}) AS query
       FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.backend_type = 'client backend'
        AND a.pid <> pg_backend_pid() AND a.pid <> ALL ($2::int[])`,
    [tables, exclude],
  );
  const text = (q: string | null) => toSession({ pid: 0, state: null, seconds: null, wait_event: null, query: q, usename: null, application_name: null }).query;
  const ms = (v: string | null) => (v === null ? 0 : Math.max(0, Math.round(Number(v))));
  let longestQuery: TableActivity['longestQuery'] = null;
  for (const r of rows) {
    if (r.state !== 'active') continue;
    if (!longestQuery || ms(r.query_ms) > longestQuery.runningMs) longestQuery = { pid: r.pid, runningMs: ms(r.query_ms), query: text(r.query) };
  }
  return {
    lockWaits: rows.filter((r) => r.waiting && r.touches).map((r) => ({ pid: r.pid, waitingMs: ms(r.query_ms), query: text(r.query) })).sort((a, b) => b.waitingMs - a.waitingMs),
    longestQuery,
    holders: rows
      .filter((r) => r.touches && !r.waiting && r.xact_ms !== null)
      .map((r) => ({ pid: r.pid, transactionMs: ms(r.xact_ms), state: r.state, query: text(r.query) }))
      .sort((a, b) => b.transactionMs - a.transactionMs),
  };
}
