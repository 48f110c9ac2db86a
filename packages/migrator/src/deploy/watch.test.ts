import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { DeployWatcher, type WatchBounds, type WatchEvent } from './watch.js';

/**
 * The deploy's watcher on a real PostgreSQL: real sessions holding and waiting for locks, and a
 * real HTTP health endpoint. Each test has its own database with an `accounts` and an `other` table.
 */

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

async function database(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  cleanup.push(() => db.drop());
  await db.pool.query('CREATE TABLE accounts (id int PRIMARY KEY, email text); CREATE TABLE other (id int PRIMARY KEY); INSERT INTO accounts VALUES (1, $$a@example.com$$)');
  return db;
}

async function session(db: TestDatabase): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanup.push(() => client.end());
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return { client, pid };
}

async function watcher(db: TestDatabase, bounds: WatchBounds, events: WatchEvent[] = []): Promise<DeployWatcher> {
  const w = await DeployWatcher.start(db.url, ['public.accounts'], { intervalMs: 100, ...bounds }, (e) => events.push(e));
  cleanup.push(() => w.close());
  return w;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A health endpoint whose answer the test sets; its path carries a token that must never be shown. */
async function healthServer(): Promise<{ url: string; status: { code: number } }> {
  const status = { code: 200 };
  const server: Server = createServer((_req, res) => {
    res.statusCode = status.code;
    res.end(status.code === 200 ? 'ok' : 'down');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health?token=SeCrEt-health-token`, status };
}

describe('DeployWatcher', () => {
  it('lets the run go at once when nothing is in the way', async () => {
    const db = await database('watch_clear');
    const w = await watcher(db, {});
    await w.hold('the first migration', undefined);
    const summary = await w.close();
    expect(summary.pauses).toEqual([]);
    expect(summary.samples).toBeGreaterThanOrEqual(1);
    expect(summary.maxReplicaLagMs).toBeNull();
  });

  it('holds while a transaction keeps a lock on a touched table past the bound, and lets go when it ends', async () => {
    const db = await database('watch_holder');
    const app = await session(db);
    const events: WatchEvent[] = [];
    const w = await watcher(db, { maxHolderMs: 300 }, events);
    await app.client.query('BEGIN; SELECT * FROM accounts');
    await sleep(500);
    let released = false;
    const held = w.hold('what follows 0001_add', undefined).then(() => released);
    // The pause is timed from its first reading (a query, slow on a busy machine): 700 ms from then.
    while (!events.some((e) => e.type === 'watch-pause')) await sleep(20);
    await sleep(700);
    released = true;
    await app.client.query('COMMIT');
    expect(await held).toBe(true); // it returned only after the transaction ended
    const summary = await w.close();
    expect(summary.pauses).toHaveLength(1);
    expect(summary.pauses[0]!.before).toBe('what follows 0001_add');
    expect(summary.pauses[0]!.reasons[0]).toMatch(new RegExp(`^pid ${app.pid} holds a lock on a table the migrations touch in a transaction open \\d+ s \\(idle in transaction: BEGIN; SELECT \\* FROM accounts\\): the next migration would queue behind it$`));
    expect(summary.pauses[0]!.durationMs).toBeGreaterThanOrEqual(500);
    expect(events.map((e) => e.type)).toContain('watch-pause');
    expect(events.map((e) => e.type)).toContain('watch-resume');
  });

  it('counts sessions waiting for a lock on a touched table, not on another table, and holds while one waits past the bound', async () => {
    const db = await database('watch_waits');
    const holder = await session(db);
    const waiter = await session(db);
    const elsewhere = await session(db);
    const otherWaiter = await session(db);
    // Only the waits count here: the holder's own transaction is under its bound.
    const w = await watcher(db, { maxLockWaitMs: 200, maxHolderMs: 60_000 });
    await holder.client.query('BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    await elsewhere.client.query('BEGIN; LOCK TABLE other IN ACCESS EXCLUSIVE MODE');
    const waiting = waiter.client.query('SELECT count(*) FROM accounts');
    const waitingElsewhere = otherWaiter.client.query('SELECT count(*) FROM other');
    await sleep(400);
    const held = w.hold('a backfill batch', undefined);
    await sleep(400);
    await holder.client.query('COMMIT');
    await held;
    await waiting;
    const summary = await w.close();
    expect(summary.maxLockWaits).toBe(1); // the wait on `other` is not the deploy's business
    expect(summary.pauses).toHaveLength(1);
    expect(summary.pauses[0]!.reasons[0]).toMatch(new RegExp(`^1 session waiting for a lock on a table the migrations touch, the longest \\d+ ms \\(pid ${waiter.pid}: SELECT count\\(\\*\\) FROM accounts\\)$`));
    await elsewhere.client.query('COMMIT');
    await waitingElsewhere;
  });

  it("leaves the deploy's own sessions out", async () => {
    const db = await database('watch_own');
    const own = await session(db);
    const w = await watcher(db, { maxHolderMs: 100 });
    await own.client.query('BEGIN; SELECT * FROM accounts');
    await sleep(300);
    w.exclude(own.pid);
    await w.hold('a backfill batch', undefined);
    expect((await w.close()).pauses).toEqual([]);
    await own.client.query('COMMIT');
  });

  it('fails with E_DEPLOY_WATCH when a pause outlasts maxPauseMs, saying nothing is half-done', async () => {
    const db = await database('watch_timeout');
    const app = await session(db);
    const w = await watcher(db, { maxHolderMs: 100, maxPauseMs: 600 });
    await app.client.query('BEGIN; SELECT * FROM accounts');
    await sleep(300);
    const error = await w.hold('what follows 0001_add', undefined).then(
      () => null,
      (e: unknown) => e as { code?: string; message: string; hint?: string },
    );
    expect(error?.code).toBe('E_DEPLOY_WATCH');
    expect(error?.message).toMatch(/^the deploy waited \d+ s before what follows 0001_add and it did not clear: pid \d+ holds a lock .*; stopped between steps, nothing is half-done$/);
    expect(error?.hint).toContain('sdk db locks');
    expect((await w.close()).pauses).toHaveLength(1);
    await app.client.query('COMMIT');
  });

  it('holds while the health endpoint fails, shows it as scheme and host only, and lets go once it answers 2xx', async () => {
    const db = await database('watch_health');
    const health = await healthServer();
    const w = await watcher(db, { healthUrl: health.url, healthTimeoutMs: 500 });
    await w.hold('the first migration', undefined);
    health.status.code = 503;
    await sleep(250); // the loop's next check sees it
    let up = false;
    const held = w.hold('a backfill batch', undefined).then(() => up);
    await sleep(600);
    up = true;
    health.status.code = 200;
    expect(await held).toBe(true);
    const summary = await w.close();
    expect(summary.pauses).toHaveLength(1);
    expect(summary.pauses[0]!.reasons).toEqual([expect.stringMatching(/^the application's health check fails: http:\/\/127\.0\.0\.1:\d+ answered HTTP 503$/)]);
    expect(summary.health!.checks).toBeGreaterThan(2);
    expect(summary.health!.failed).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(summary)).not.toContain('SeCrEt');
  });

  it('holds while the health endpoint does not answer in time', async () => {
    const db = await database('watch_health_slow');
    const server: Server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    server.closeAllConnections();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const w = await watcher(db, { healthUrl: url, healthTimeoutMs: 200, maxPauseMs: 700 });
    const error = await w.hold('the first migration', undefined).then(
      () => null,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(error?.code).toBe('E_DEPLOY_WATCH');
    expect(error?.message).toMatch(/the application's health check fails: http:\/\/127\.0\.0\.1:\d+: no answer within 200 ms/);
    await w.close();
    server.closeAllConnections();
  });
});
