import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from './sessions.js';

/** A scratch database name: a recognisable prefix and 12 random hex digits. */
export function scratchName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** Terminates whatever is left connected to a scratch database and drops it. */
export async function dropScratch(admin: pg.Client, name: string): Promise<void> {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

/** The first key of a scratch database's ownership lock ('sdv'); the runner's lock has another. */
const SCRATCH_LOCK_CLASS = 0x736476;

/**
 * The two int4 keys of the session advisory lock that says "a live process owns this scratch
 * database": a fixed class and a 31-bit FNV-1a hash of the name. Two names with the same hash only
 * make a leftover look owned (it is then kept, never wrongly dropped).
 */
export function scratchLockKeys(name: string): [number, number] {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return [SCRATCH_LOCK_CLASS, hash & 0x7fffffff];
}

/**
 * Claims `name` for this session before the scratch database is created: a session-level advisory
 * lock (pg_try_advisory_lock) held until the session ends, which is after the database is
 * dropped. A process killed midway loses its session, and so the lock: that is how
 * `dropLeftoverScratch` tells a leftover from the scratch database of a run still going.
 * False when the name is taken (then choose another).
 */
export async function claimScratch(session: Pick<pg.Client, 'query'>, name: string): Promise<boolean> {
  const [k1, k2] = scratchLockKeys(name);
  const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2]);
  return rows[0]?.ok === true;
}

export interface ScratchCleanup {
  /** Scratch databases left by a killed run, dropped now. */
  dropped: string[];
  /** Leftovers that could not be dropped, and the server's reason (another role's database, ...). */
  failed: { name: string; reason: string }[];
}

/**
 * Finds and drops the scratch databases named `<prefix><12 hex digits>` that a killed run left
 * behind, and never one a run is using right now, in this process or another:
 *
 * 1. Its ownership lock (`claimScratch`) must be free: this session takes it with
 *    pg_try_advisory_lock (so two cleanups do not race), and no other session may hold it in
 *    pg_locks (advisory locks are per database; the owner may be connected to another one).
 * 2. Nobody may be connected to it (pg_stat_activity): a run of an older sdk that took no lock,
 *    or a pg_restore that outlived its sdk, keeps it.
 * 3. Plain DROP DATABASE (no FORCE): if someone connects meanwhile, it fails and the database stays.
 */
export async function dropLeftoverScratch(admin: Pick<pg.Client, 'query'>, prefix: string): Promise<ScratchCleanup> {
  const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE left(datname, $2) = $1 ORDER BY 1", [prefix, prefix.length]);
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9a-f]{12}$`);
  const result: ScratchCleanup = { dropped: [], failed: [] };
  for (const { datname: name } of rows) {
    if (!pattern.test(name)) continue;
    const [k1, k2] = scratchLockKeys(name);
    if (!(await claimScratch(admin, name))) continue;
    try {
      const { rows: busy } = await admin.query<{ owned: boolean; connected: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted AND pid <> pg_backend_pid()) AS owned,
                EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = $3) AS connected`,
        [k1, k2, name],
      );
      if (busy[0]?.owned || busy[0]?.connected) continue;
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
        result.dropped.push(name);
      } catch (error) {
        // 55006: someone connected after the check; it is in use, not left over.
        if ((error as { code?: string }).code !== '55006') result.failed.push({ name, reason: (error as Error).message });
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]);
    }
  }
  return result;
}
