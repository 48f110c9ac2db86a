import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import type { LockTimeoutError } from '../errors.js';
import { migrate } from './index.js';
import { status } from '../status.js';
import type { RunnerEvent } from './types.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const SETUP: MigrationSpec[] = [{ tag: '0000_t', sql: 'CREATE TABLE "t" ("id" int PRIMARY KEY, "v" int);\n--> statement-breakpoint\nINSERT INTO "t" SELECT g, g FROM generate_series(1, 1000) g;' }];

async function setUp(): Promise<TestDatabase> {
  const db = await createTestDatabase('cic');
  dbs.push(db);
  await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder(SETUP) });
  return db;
}

async function indexesOnT(db: TestDatabase): Promise<{ name: string; valid: boolean }[]> {
  const { rows } = await db.pool.query<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 't'::regclass AND NOT i.indisprimary ORDER BY 1`,
  );
  return rows;
}

/** An application transaction that has written to t and stays open: a concurrent build must wait for it. */
async function holdWrite(db: TestDatabase, releaseAfterMs?: number): Promise<{ pid: number; release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  await client.query('BEGIN');
  await client.query('UPDATE t SET v = v WHERE id = 1');
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await client.query('COMMIT');
    await client.end();
  };
  if (releaseAfterMs !== undefined) setTimeout(() => void release(), releaseAfterMs);
  return { pid: rows[0]!.pid, release };
}

describe('an unnamed CREATE INDEX CONCURRENTLY', () => {
  it('is given the name PostgreSQL would choose, so a build that times out and is retried leaves one valid index and no INVALID one', async () => {
    const db = await setUp();
    const folder = await writeMigrationsFolder([...SETUP, { tag: '0001_idx', sql: 'CREATE INDEX CONCURRENTLY ON "t" ("v");' }]);
    const holder = await holdWrite(db, 2_500);
    const events: RunnerEvent[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 300, retryForMs: 30_000, onEvent: (e) => events.push(e) });
    await holder.release();
    expect(result.applied.map((a) => a.tag)).toEqual(['0001_idx']);
    expect(result.applied[0]!.retries).toBeGreaterThanOrEqual(1);
    expect(events).toContainEqual({ type: 'index-named', tag: '0001_idx', index: 0, name: 't_v_idx' });
    expect(events.filter((e) => e.type === 'invalid-index')).toContainEqual(expect.objectContaining({ index: 'public.t_v_idx', action: 'drop-and-rebuild' }));
    expect(await indexesOnT(db)).toEqual([{ name: 't_v_idx', valid: true }]);
    expect((await status({ databaseUrl: db.url, migrationsFolder: folder })).invalidIndexes).toEqual([]);
  });

  it('that is UNIQUE and fails on duplicates leaves no INVALID index behind, however often it is run', async () => {
    const db = await setUp();
    await db.pool.query('UPDATE t SET v = 1 WHERE id IN (1, 2)');
    const folder = await writeMigrationsFolder([...SETUP, { tag: '0001_uq', sql: 'CREATE UNIQUE INDEX CONCURRENTLY ON "t" ("v");' }]);
    for (let run = 0; run < 3; run++) {
      await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_MIGRATION_FAILED', tag: '0001_uq' });
      expect(await indexesOnT(db)).toEqual([]);
    }
    await db.pool.query('UPDATE t SET v = id');
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    expect(await indexesOnT(db)).toEqual([{ name: 't_v_idx', valid: true }]);
  });

  it('finds the INVALID leftovers of earlier builds by what they build, not by name, and drops them first', async () => {
    const db = await setUp();
    // What the old runner (or a hand-run build) left: two INVALID copies under PostgreSQL's names,
    // and an INVALID index of something else, which must stay.
    await db.pool.query('UPDATE t SET v = 1 WHERE id IN (1, 2)');
    for (const sql of ['CREATE UNIQUE INDEX CONCURRENTLY ON t (v)', 'CREATE UNIQUE INDEX CONCURRENTLY ON t (v)', 'CREATE UNIQUE INDEX CONCURRENTLY other_idx ON t (v) WHERE id > 0']) {
      await expect(db.pool.query(sql)).rejects.toMatchObject({ code: '23505' });
    }
    await db.pool.query('UPDATE t SET v = id');
    expect(await indexesOnT(db)).toEqual([
      { name: 'other_idx', valid: false },
      { name: 't_v_idx', valid: false },
      { name: 't_v_idx1', valid: false },
    ]);
    const folder = await writeMigrationsFolder([...SETUP, { tag: '0001_uq', sql: 'CREATE UNIQUE INDEX CONCURRENTLY ON "t" USING btree ("v");' }]);
    const events: RunnerEvent[] = [];
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'invalid-index').map((e) => e.type === 'invalid-index' && `${e.index} ${e.action}`)).toEqual([
      'public.t_v_idx drop-leftover',
      'public.t_v_idx1 drop-leftover',
    ]);
    expect(await indexesOnT(db)).toEqual([
      { name: 'other_idx', valid: false },
      { name: 't_v_idx', valid: true },
    ]);
  });

  it('left INVALID beside a valid copy by an applied migration is dropped by the next migrate, as status says', async () => {
    const db = await setUp();
    const folder = await writeMigrationsFolder([...SETUP, { tag: '0001_idx', sql: 'CREATE INDEX CONCURRENTLY ON "t" ("v");' }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    // The old runner's outcome: the applied migration's index valid, and INVALID copies beside it
    // from builds that timed out waiting for an application transaction.
    const holder = await holdWrite(db);
    const hand = new pg.Client({ connectionString: db.url });
    await hand.connect();
    await hand.query("SET lock_timeout = '200ms'");
    for (let i = 0; i < 2; i++) await expect(hand.query('CREATE INDEX CONCURRENTLY ON t (v)')).rejects.toMatchObject({ code: '55P03' });
    await hand.end();
    await holder.release();
    expect((await status({ databaseUrl: db.url, migrationsFolder: folder })).invalidIndexes.map((i) => i.name)).toEqual(['t_v_idx1', 't_v_idx2']);
    const events: RunnerEvent[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, onEvent: (e) => events.push(e) });
    expect(result.applied).toEqual([]);
    expect(result.rebuiltIndexes).toEqual(['public.t_v_idx1', 'public.t_v_idx2']);
    expect(events.filter((e) => e.type === 'invalid-index').every((e) => e.type === 'invalid-index' && e.action === 'drop-duplicate')).toBe(true);
    expect(await indexesOnT(db)).toEqual([{ name: 't_v_idx', valid: true }]);
  });
});

describe('a lock timeout while dropping an INVALID leftover', () => {
  async function withInvalidIndex(db: TestDatabase): Promise<string> {
    await db.pool.query('UPDATE t SET v = 1 WHERE id IN (1, 2)');
    await expect(db.pool.query('CREATE UNIQUE INDEX CONCURRENTLY t_v_uq ON t (v)')).rejects.toMatchObject({ code: '23505' });
    await db.pool.query('UPDATE t SET v = id');
    return writeMigrationsFolder([...SETUP, { tag: '0001_uq', sql: 'CREATE UNIQUE INDEX CONCURRENTLY "t_v_uq" ON "t" ("v");' }]);
  }

  /** A reader whose transaction stays open: DROP INDEX CONCURRENTLY waits for every transaction using the table. */
  async function holdRead(db: TestDatabase): Promise<{ pid: number; client: pg.Client }> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await client.query('BEGIN');
    await client.query('SELECT * FROM t LIMIT 1');
    return { pid: rows[0]!.pid, client };
  }

  it('is retried with the statement, and the build succeeds once the holder is gone', async () => {
    const db = await setUp();
    const folder = await withInvalidIndex(db);
    const holder = await holdRead(db);
    setTimeout(() => void holder.client.query('COMMIT').then(() => holder.client.end()), 2_000);
    const events: RunnerEvent[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 200, retryForMs: 30_000, onEvent: (e) => events.push(e) });
    expect(result.applied[0]!.retries).toBeGreaterThanOrEqual(1);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ reason: 'lock-timeout', blockers: [expect.objectContaining({ pid: holder.pid })] });
    expect(await indexesOnT(db)).toEqual([{ name: 't_v_uq', valid: true }]);
  });

  it('that outlasts the retries ends in the runner\'s own lock-timeout error, naming the holder', async () => {
    const db = await setUp();
    const folder = await withInvalidIndex(db);
    const holder = await holdRead(db);
    try {
      const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 200, retryForMs: 1_500 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_LOCK_TIMEOUT' });
      expect((error as LockTimeoutError).attempts).toBeGreaterThanOrEqual(2);
      expect((error as LockTimeoutError).blockers.map((b) => b.pid)).toEqual([holder.pid]);
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
  });
});
