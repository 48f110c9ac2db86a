import type pg from 'pg';
import { AdvisoryLockError } from '../errors.js';
import { METADATA_SCHEMA } from './metadata.js';
import type { RunInProgress } from './types.js';

/**
 * The two int4 keys of the session advisory lock every runner takes before it reads or writes
 * anything (pg_advisory_lock(int, int)). Fixed so every version of the tool agrees on them.
 */
export const ADVISORY_LOCK_KEYS = [0x73646b, 0x6d6967] as const;
const POLL_INTERVAL_MS = 250;

type Queryable = Pick<pg.Client, 'query'>;

/** Who holds the runner's advisory lock right now, if anyone. */
export async function lockHolder(db: Queryable): Promise<RunInProgress | null> {
  const { rows } = await db.query<{
    pid: number;
    usename: string | null;
    client_addr: string | null;
    application_name: string | null;
    backend_start: Date;
  }>(
    `SELECT a.pid, a.usename, host(a.client_addr) AS client_addr, a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      LIMIT 1`,
    [ADVISORY_LOCK_KEYS[0], ADVISORY_LOCK_KEYS[1]],
  );
  const row = rows[0];
  if (!row) return null;
  const holder: RunInProgress = {
    pid: row.pid,
    host: hostFromApplicationName(row.application_name) ?? row.client_addr,
    user: row.usename,
    since: row.backend_start.toISOString(),
    tag: null,
    statementsDone: null,
  };
  // The holder's audit row says more (OS user, host, the migration it is on), when it exists.
  const exists = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${METADATA_SCHEMA}.history`]);
  if (exists.rows[0]?.ok) {
    const { rows: h } = await db.query<{ host: string | null; os_user: string | null; started_at: Date; current_tag: string | null; statements_applied: number }>(
      `SELECT host, os_user, started_at, current_tag, statements_applied FROM ${METADATA_SCHEMA}.history
        WHERE backend_pid = $1 AND outcome = 'running' ORDER BY id DESC LIMIT 1`,
      [row.pid],
    );
    const run = h[0];
    if (run) {
      holder.host = run.host ?? holder.host;
      holder.user = run.os_user ?? holder.user;
      holder.since = run.started_at.toISOString();
      holder.tag = run.current_tag;
      holder.statementsDone = run.statements_applied;
    }
  }
  return holder;
}

function hostFromApplicationName(name: string | null): string | null {
  const match = name?.match(/host=([^\s)]+)/);
  return match?.[1] ?? null;
}

/**
 * Takes the session advisory lock, polling with pg_try_advisory_lock so the wait is bounded and
 * the caller can say who holds it. A session lock (not a transaction lock) because the runner
 * commits many transactions and runs statements outside any; PostgreSQL releases it when the
 * session ends, so a killed runner never leaves it behind.
 */
export async function acquireRunnerLock(
  db: Queryable,
  waitMs: number,
  onWait: (holder: RunInProgress | null) => void,
): Promise<number> {
  const started = Date.now();
  let reported = false;
  let holder: RunInProgress | null = null;
  for (;;) {
    const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ADVISORY_LOCK_KEYS[0], ADVISORY_LOCK_KEYS[1]]);
    if (rows[0]?.ok) return Date.now() - started;
    if (!reported || Date.now() - started > waitMs) {
      holder = await lockHolder(db);
      if (!reported) onWait(holder);
      reported = true;
    }
    if (Date.now() - started >= waitMs) {
      const who = holder
        ? `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.user ? ` (${holder.user})` : ''}, running since ${holder.since}${holder.tag ? `, applying ${holder.tag}` : ''}`
        : 'a session that has since ended';
      throw new AdvisoryLockError(`another migration run holds the migration lock: ${who}; waited ${(waitMs / 1000).toFixed(1)} s`);
    }
    await new Promise((r) => setTimeout(r, Math.min(POLL_INTERVAL_MS, Math.max(10, waitMs - (Date.now() - started)))));
  }
}

export async function releaseRunnerLock(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_LOCK_KEYS[0], ADVISORY_LOCK_KEYS[1]]);
}
