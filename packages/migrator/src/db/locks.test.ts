import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, waitFor, type TestDatabase } from '@big0290/testing';
import { buildLocksReport, endSession, inspectLocks, refusalFor } from './locks.js';
import { clientSessions } from './sessions.js';
import type { SessionActivity } from './types.js';

const dbs: TestDatabase[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await Promise.all(dbs.map((d) => d.drop()));
});

async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('locks');
  dbs.push(db);
  return db;
}

async function session(url: string): Promise<pg.Client & { pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: 'locks-test' });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Object.assign(client, { pid: rows[0]!.pid });
}

/**
 * The guide's outage: the application holds a row lock in an open transaction; a migration's
 * ALTER TABLE queues for the table's ACCESS EXCLUSIVE lock behind it; every reader then queues
 * behind the ALTER.
 */
async function blockedChain(db: TestDatabase) {
  await db.pool.query('CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)');
  const holder = await session(db.url);
  const alter = await session(db.url);
  const reader = await session(db.url);
  await holder.query('BEGIN');
  await holder.query('UPDATE t SET v = 1 WHERE id = 1');
  const altered = alter.query('ALTER TABLE t ADD COLUMN x int');
  altered.catch(() => {});
  await waitFor('the ALTER waits', async () => (await clientSessions(db.pool)).some((s) => s.pid === alter.pid && s.waitEventType === 'Lock'));
  const read = reader.query('SELECT count(*) FROM t');
  read.catch(() => {});
  await waitFor('the reader waits', async () => (await clientSessions(db.pool)).some((s) => s.pid === reader.pid && s.waitEventType === 'Lock'));
  return { holder, alter, reader, altered, read };
}

describe('sdk db locks, the report', () => {
  it('shows who blocks whom as a tree, the lock waits with their age, and the idle-in-transaction holder', async () => {
    const db = await freshDb();
    const { holder, alter, reader } = await blockedChain(db);
    const report = await inspectLocks({ databaseUrl: db.url, longTransactionMs: 0 });
    expect(report.database).toBe(db.name);
    expect(report.blocking).toEqual([
      expect.objectContaining({
        pid: holder.pid,
        state: 'idle in transaction',
        query: 'UPDATE t SET v = 1 WHERE id = 1',
        blocks: [
          expect.objectContaining({
            pid: alter.pid,
            waitingFor: 'AccessExclusiveLock on t',
            blockedBy: [holder.pid],
            blocks: [expect.objectContaining({ pid: reader.pid, waitingFor: 'AccessShareLock on t', blockedBy: [alter.pid], blocks: [] })],
          }),
        ],
      }),
    ]);
    expect(report.waiting.map((s) => s.pid).sort()).toEqual([alter.pid, reader.pid].sort());
    for (const wait of report.waiting) expect(wait.stateSeconds).toBeGreaterThanOrEqual(0);
    expect(report.idleInTransaction.map((s) => s.pid)).toEqual([holder.pid]);
    // The waiting statements are transactions too (implicit ones), older than the bound of 0 s; the idle holder is listed apart.
    expect(report.longTransactions.map((s) => s.pid).sort()).toEqual([alter.pid, reader.pid].sort());
    const bounded = await inspectLocks({ databaseUrl: db.url, longTransactionMs: 3_600_000 });
    expect(bounded.longTransactions).toEqual([]);
  });

  it('cuts long queries and never lists its own session', async () => {
    const db = await freshDb();
    const idle = await session(db.url);
    await idle.query('BEGIN');
    await idle.query(`SELECT 1 AS "${'x'.repeat(500)}"`);
    const report = await inspectLocks({ databaseUrl: db.url });
    expect(report.idleInTransaction).toHaveLength(1);
    expect(report.idleInTransaction[0]!.query).toHaveLength(200);
    expect(report.idleInTransaction[0]!.query.endsWith('…')).toBe(true);
    expect(report.blocking).toEqual([]);
    await idle.query('ROLLBACK');
    expect((await inspectLocks({ databaseUrl: db.url })).idleInTransaction).toEqual([]);
  });

  it('places sessions that wait for each other in a cycle once, marked', () => {
    const s = (pid: number, blockedBy: number[]): SessionActivity => ({
      pid, state: 'active', durationSeconds: 1, query: '', waitEventType: 'Lock', blockedBy, transactionSeconds: 1, stateSeconds: 1, waitingFor: 'x',
    });
    const report = buildLocksReport([s(1, [2]), s(2, [1])], { target: 't', database: 'd', at: '', longTransactionSeconds: 60 });
    expect(report.blocking).toEqual([expect.objectContaining({ pid: 1, blocks: [expect.objectContaining({ pid: 2, blocks: [expect.objectContaining({ pid: 1, cycle: true, blocks: [] })] })] })]);
  });
});

describe('ending a session', () => {
  it('--cancel cancels a real waiting query, after confirmation; a refused confirmation sends nothing', async () => {
    const db = await freshDb();
    const { alter, reader, read } = await blockedChain(db);
    const declined = await endSession({ databaseUrl: db.url, pid: alter.pid, action: 'cancel', confirm: async () => false });
    expect(declined).toMatchObject({ confirmed: false, signalled: false });
    let shown: SessionActivity | undefined;
    const result = await endSession({ databaseUrl: db.url, pid: reader.pid, action: 'cancel', confirm: async (s) => ((shown = s), true) });
    expect(shown).toMatchObject({ pid: reader.pid, query: 'SELECT count(*) FROM t', waitingFor: 'AccessShareLock on t' });
    expect(result).toMatchObject({ confirmed: true, signalled: true, ended: null });
    await expect(read).rejects.toMatchObject({ code: '57014' }); // canceling statement due to user request
    // Only the query was cancelled: the session lives on, and the ALTER still waits.
    expect((await reader.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    expect((await clientSessions(db.pool)).find((s) => s.pid === alter.pid)?.waitEventType).toBe('Lock');
  });

  it('--terminate ends a real idle-in-transaction session: its transaction rolls back and what waited for it runs', async () => {
    const db = await freshDb();
    const { holder, altered } = await blockedChain(db);
    const result = await endSession({ databaseUrl: db.url, pid: holder.pid, action: 'terminate' });
    expect(result).toMatchObject({ confirmed: true, signalled: true, ended: true, session: expect.objectContaining({ state: 'idle in transaction' }) });
    await altered;
    expect((await db.pool.query('SELECT v FROM t')).rows).toEqual([{ v: 0 }]);
    await expect(holder.query('SELECT 1')).rejects.toThrow();
  });

  it('refuses its own session, a pid that does not exist, a session of another database and a server process, doing nothing', async () => {
    const db = await freshDb();
    const other = await freshDb();
    const own = await session(db.url);
    const elsewhere = await session(other.url);
    const refused = (pid: number, extra: { db?: pg.Client } = {}) => endSession({ databaseUrl: db.url, pid, action: 'terminate', ...extra });
    await expect(refused(own.pid, { db: own })).rejects.toMatchObject({ code: 'E_SESSION_REFUSED', message: `refused to terminate pid ${own.pid}: it is this command's own session; nothing was done` });
    await expect(refused(2_147_483_647)).rejects.toMatchObject({ code: 'E_SESSION_NOT_FOUND', message: 'no session with pid 2147483647 on this server: nothing was done' });
    await expect(refused(elsewhere.pid)).rejects.toMatchObject({ code: 'E_SESSION_REFUSED', message: expect.stringContaining(`it is connected to database ${other.name}, not to ${db.name}`) });
    const { rows } = await db.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
    await expect(refused(rows[0]!.pid)).rejects.toMatchObject({ code: 'E_SESSION_REFUSED', message: expect.stringContaining('connected to no database') });
    expect((await own.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    expect((await elsewhere.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('classifies replication and autovacuum backends from their pg_stat_activity rows', () => {
    const context = { ownPid: 10, database: 'app' };
    const row = (over: Partial<Parameters<typeof refusalFor>[0]>) => ({ pid: 42, datname: 'app', backendType: 'client backend', query: 'SELECT 1', ...over });
    expect(refusalFor(row({}), context)).toBeNull();
    expect(refusalFor(row({ pid: 10 }), context)).toMatch(/own session/);
    expect(refusalFor(row({ backendType: 'walsender', datname: null, query: '' }), context)).toMatch(/replication connection \(walsender\)/);
    expect(refusalFor(row({ backendType: 'walsender', query: 'START_REPLICATION SLOT "sub" LOGICAL 0/0' }), context)).toMatch(/walsender/);
    expect(refusalFor(row({ backendType: 'autovacuum worker', query: 'autovacuum: VACUUM public.orders (to prevent wraparound)' }), context)).toMatch(/preventing transaction ID wraparound/);
    expect(refusalFor(row({ backendType: 'autovacuum worker', query: 'autovacuum: VACUUM ANALYZE public.orders' }), context)).toBe('pid 42 is an autovacuum worker, not a client session');
    expect(refusalFor(row({ datname: 'other' }), context)).toBe('pid 42 is connected to database other, not to app');
    expect(refusalFor(row({ backendType: 'background worker' }), context)).toBe('pid 42 is a background worker, not a client session');
  });
});
