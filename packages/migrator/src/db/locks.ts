import type pg from 'pg';
import { MigratorError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import { connect } from './connect.js';
import { DEFAULT_LONG_TRANSACTION_MS } from './defaults.js';
import { clientSessions, QUERY_TEXT_LIMIT } from './sessions.js';
import type { SessionActivity } from './types.js';

type Queryable = Pick<pg.Client, 'query'>;

/** A session that blocks others, with the sessions that wait for it (and those that wait for them). */
export interface BlockingNode extends SessionActivity {
  blocks: BlockingNode[];
  /** It is already higher up this branch: the waits form a cycle (PostgreSQL's deadlock detector, or a lock queue, resolves it). */
  cycle?: true;
}

/** What `sdk db locks` shows: who blocks whom, lock waits, long transactions, idle-in-transaction sessions. */
export interface LocksReport {
  /** The target, password redacted. */
  target: string;
  database: string;
  /** When the report was read (server clock). */
  at: string;
  longTransactionSeconds: number;
  /** The blocking tree: each root blocks others and waits for no one (or sits in a cycle). */
  blocking: BlockingNode[];
  /** Sessions waiting for a lock, longest wait first (`stateSeconds` is the wait's age). */
  waiting: SessionActivity[];
  /** Sessions whose transaction is older than `longTransactionSeconds` and that are not idle in it, oldest first. */
  longTransactions: SessionActivity[];
  /** Sessions idle in an open transaction, whatever its age: they hold their locks and hold back VACUUM; oldest first. */
  idleInTransaction: SessionActivity[];
}

export interface LocksOptions {
  databaseUrl: string;
  /** A transaction open this long is listed as long (default DEFAULT_LONG_TRANSACTION_MS). */
  longTransactionMs?: number;
}

/** Builds the report from the sessions of one read; pure, so the tree is tested on any shape. */
export function buildLocksReport(sessions: readonly SessionActivity[], meta: { target: string; database: string; at: string; longTransactionSeconds: number }): LocksReport {
  const byPid = new Map(sessions.map((s) => [s.pid, s]));
  const waiters = new Map<number, SessionActivity[]>();
  for (const s of sessions) for (const pid of s.blockedBy) if (byPid.has(pid)) waiters.set(pid, [...(waiters.get(pid) ?? []), s]);
  const placed = new Set<number>();
  const grow = (session: SessionActivity, path: Set<number>): BlockingNode => {
    placed.add(session.pid);
    if (path.has(session.pid)) return { ...session, blocks: [], cycle: true };
    const next = new Set(path).add(session.pid);
    return { ...session, blocks: (waiters.get(session.pid) ?? []).map((w) => grow(w, next)) };
  };
  const blocking: BlockingNode[] = [];
  // Roots first: blockers that wait for no one. What is left unplaced waits in a cycle.
  for (const s of sessions) if (waiters.has(s.pid) && s.blockedBy.filter((pid) => byPid.has(pid)).length === 0) blocking.push(grow(s, new Set()));
  for (const s of sessions) if (waiters.has(s.pid) && !placed.has(s.pid)) blocking.push(grow(s, new Set()));
  const idle = (s: SessionActivity) => s.state?.startsWith('idle in transaction') ?? false;
  const oldest = (a: SessionActivity, b: SessionActivity) => (b.transactionSeconds ?? 0) - (a.transactionSeconds ?? 0);
  return {
    ...meta,
    blocking,
    waiting: sessions.filter((s) => s.waitEventType === 'Lock').sort((a, b) => (b.stateSeconds ?? 0) - (a.stateSeconds ?? 0)),
    longTransactions: sessions.filter((s) => !idle(s) && s.transactionSeconds !== null && s.transactionSeconds >= meta.longTransactionSeconds).sort(oldest),
    idleInTransaction: sessions.filter(idle).sort(oldest),
  };
}

/** Reads the report on an open connection (for `watchLocks` and callers holding a client). */
export async function readLocks(db: Queryable, target: string, longTransactionMs = DEFAULT_LONG_TRANSACTION_MS): Promise<LocksReport> {
  const { rows } = await db.query<{ database: string; at: Date }>('SELECT current_database() AS database, clock_timestamp() AS at');
  const sessions = await clientSessions(db);
  return buildLocksReport(sessions, { target, database: rows[0]!.database, at: rows[0]!.at.toISOString(), longTransactionSeconds: Math.round(longTransactionMs / 1000) });
}

/**
 * The blocking tree (who blocks whom, from pg_blocking_pids), lock waits with their age, long
 * transactions and idle-in-transaction sessions of the target database, with their queries
 * truncated to QUERY_TEXT_LIMIT characters (pg_stat_activity never shows bind parameters).
 *
 * @example
 * const report = await inspectLocks({ databaseUrl: process.env.DATABASE_URL! });
 * for (const root of report.blocking) console.log(root.pid, 'blocks', root.blocks.map((b) => b.pid));
 */
export async function inspectLocks(options: LocksOptions): Promise<LocksReport> {
  const client = await connect(options.databaseUrl, { applicationName: 'sdk db locks' });
  try {
    return await readLocks(client, redactUrl(options.databaseUrl), options.longTransactionMs);
  } finally {
    await client.end().catch(() => {});
  }
}

/** How often `watchLocks` reads by default. */
export const DEFAULT_LOCKS_WATCH_INTERVAL_MS = 1_000;

/** Reads the report every `intervalMs` on one connection, handing each to `onReport`, until `signal` aborts. */
export async function watchLocks(options: LocksOptions & { signal: AbortSignal; intervalMs?: number; onReport: (report: LocksReport) => void }): Promise<void> {
  const client = await connect(options.databaseUrl, { applicationName: 'sdk db locks --watch' });
  const target = redactUrl(options.databaseUrl);
  try {
    while (!options.signal.aborted) {
      options.onReport(await readLocks(client, target, options.longTransactionMs));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.intervalMs ?? DEFAULT_LOCKS_WATCH_INTERVAL_MS);
        function done() {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', done);
          resolve();
        }
        options.signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** A backend as pg_stat_activity shows it: what `endSession` decides on. */
export interface BackendRow {
  pid: number;
  datname: string | null;
  backendType: string | null;
  query: string | null;
}

/**
 * Why a backend must not be cancelled or terminated from here, or null when it may be:
 * the caller's own session; a replication connection (walsender: the replica or subscriber
 * stops receiving WAL); an autovacuum worker preventing transaction ID wraparound (PostgreSQL
 * starts it again at once, and stopping it brings the database nearer to refusing writes);
 * anything that is not a client backend of this database.
 * https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-WRAPAROUND
 */
export function refusalFor(row: BackendRow, context: { ownPid: number; database: string }): string | null {
  if (row.pid === context.ownPid) return `pid ${row.pid} is this command's own session`;
  if (row.backendType === 'walsender') return `pid ${row.pid} is a replication connection (walsender): ending it stops WAL streaming to a replica or subscriber`;
  if (row.backendType === 'autovacuum worker' && /\(to prevent wraparound\)/.test(row.query ?? '')) {
    return `pid ${row.pid} is an autovacuum worker preventing transaction ID wraparound: PostgreSQL would start it again at once, and stopping it brings the database nearer to refusing writes`;
  }
  if (row.datname !== context.database) return `pid ${row.pid} is ${row.datname ? `connected to database ${row.datname}` : 'connected to no database'}, not to ${context.database}`;
  if (row.backendType !== 'client backend') return `pid ${row.pid} is ${article(row.backendType ?? 'server process')} ${row.backendType ?? 'server process'}, not a client session`;
  return null;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

export type EndSessionAction = 'cancel' | 'terminate';

export interface EndSessionOptions {
  databaseUrl: string;
  /** Check and signal on this open connection instead of a new one (its own session is the one refused as the caller's). */
  db?: pg.Client;
  pid: number;
  /** cancel: pg_cancel_backend, its running query fails; terminate: pg_terminate_backend, the session ends and its transaction rolls back. */
  action: EndSessionAction;
  /** Called with the session once it passed every check; false leaves it alone. Without it, nothing asks. */
  confirm?: (session: SessionActivity) => Promise<boolean>;
}

export interface EndSessionResult {
  pid: number;
  action: EndSessionAction;
  /** The session as it was before (query truncated). */
  session: SessionActivity;
  /** False when `confirm` said no: nothing was sent. */
  confirmed: boolean;
  /** PostgreSQL accepted the signal. */
  signalled: boolean;
  /** terminate: the session was gone within a few seconds; cancel: null. */
  ended: boolean | null;
}

/** How long `endSession` waits for a terminated session to leave pg_stat_activity. */
const TERMINATE_WAIT_MS = 5_000;

/**
 * Cancels the running query of a session (pg_cancel_backend) or ends the session
 * (pg_terminate_backend), after `confirm`. Refused with E_SESSION_REFUSED, nothing sent, for the
 * backends `refusalFor` names; E_SESSION_NOT_FOUND when no such pid exists. The signal is sent
 * only to the same backend that was checked and shown (matched on its start time), so a pid
 * reused in between is left alone.
 * https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SIGNAL
 */
export async function endSession(options: EndSessionOptions): Promise<EndSessionResult> {
  const client = options.db ?? (await connect(options.databaseUrl, { applicationName: `sdk db locks --${options.action}` }));
  try {
    // backend_start as text: a JavaScript Date drops its microseconds, and the match must be exact.
    const { rows } = await client.query<{ pid: number | null; datname: string | null; backend_type: string | null; query: string | null; backend_start: string | null; own: number; database: string }>(
      `SELECT a.pid, a.datname, a.backend_type, left(a.query, ${QUERY_TEXT_LIMIT * 2}) AS query, a.backend_start::text, pg_backend_pid() AS own, current_database() AS database
         FROM (SELECT 1) one LEFT JOIN pg_stat_activity a ON a.pid = $1`,
      [options.pid],
    );
    const row = rows[0]!;
    if (row.pid === null) {
      throw new MigratorError('E_SESSION_NOT_FOUND', `no session with pid ${options.pid} on this server: nothing was done`, { hint: 'list the sessions with `sdk db locks` and use a pid from there' });
    }
    const why = refusalFor({ pid: row.pid, datname: row.datname, backendType: row.backend_type, query: row.query }, { ownPid: row.own, database: row.database });
    if (why) throw new MigratorError('E_SESSION_REFUSED', `refused to ${options.action} pid ${options.pid}: ${why.replace(/^pid \d+ /, 'it ')}; nothing was done`, { hint: 'only client sessions of the target database are ended from here; `sdk db locks` lists them' });
    const session = (await clientSessions(client)).find((s) => s.pid === options.pid);
    if (!session) throw new MigratorError('E_SESSION_NOT_FOUND', `pid ${options.pid} ended before it could be ${options.action === 'cancel' ? 'cancelled' : 'terminated'}: nothing was done`);
    const base = { pid: options.pid, action: options.action, session };
    if (options.confirm && !(await options.confirm(session))) return { ...base, confirmed: false, signalled: false, ended: null };
    const fn = options.action === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend';
    let signalled: boolean;
    try {
      const sent = await client.query<{ ok: boolean | null }>(`SELECT ${fn}(pid) AS ok FROM pg_stat_activity WHERE pid = $1 AND backend_start = $2::timestamptz`, [options.pid, row.backend_start]);
      signalled = sent.rows[0]?.ok === true;
    } catch (error) {
      if ((error as { code?: string }).code === '42501') {
        throw new MigratorError('E_SESSION_REFUSED', `not allowed to ${options.action} pid ${options.pid}: ${(error as Error).message}`, {
          cause: error,
          hint: 'connect as the role the session belongs to, a superuser, or a member of pg_signal_backend',
        });
      }
      throw error;
    }
    let ended: boolean | null = null;
    if (options.action === 'terminate') {
      ended = false;
      for (const started = Date.now(); signalled && Date.now() - started < TERMINATE_WAIT_MS; await new Promise((r) => setTimeout(r, 50))) {
        const { rows: left } = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND backend_start = $2::timestamptz', [options.pid, row.backend_start]);
        if (left.length === 0) {
          ended = true;
          break;
        }
      }
    }
    return { ...base, confirmed: true, signalled, ended };
  } finally {
    if (!options.db) await client.end().catch(() => {});
  }
}
