import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNull } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { runBackfillChild } from './__fixtures__/killed-run.js';
import { backfill, listBackfills, planBackfill, type BackfillEvent } from '../index.js';


let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('backfill');
});
afterAll(async () => {
  await db.drop();
});

async function items(name: string, rows: number, extra = ''): Promise<void> {
  await db.pool.query(`CREATE TABLE ${name} (id int PRIMARY KEY, score int, counter int NOT NULL DEFAULT 0, status text${extra});
    INSERT INTO ${name} (id) SELECT g FROM generate_series(1, ${rows}) g; ANALYZE ${name};`);
}
async function scalar<T>(sql: string): Promise<T> {
  const { rows } = await db.pool.query(sql);
  return Object.values(rows[0] ?? {})[0] as T;
}

describe('backfill', () => {
  it('changes every matching row in keyset batches, records a checkpoint, and does nothing when run again', async () => {
    await items('b_basic', 20_000);
    await db.pool.query('UPDATE b_basic SET score = -1 WHERE id % 10 = 0'); // already set: not matched
    const events: BackfillEvent[] = [];
    const result = await backfill(db.url, { table: 'public.b_basic', set: 'score = id % 100', where: 'score IS NULL', name: 'basic', firstBatchRows: 500, onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ name: 'basic', table: 'public.b_basic', rows: 18_000, rowsThisRun: 18_000, resumed: false, alreadyFinished: false });
    expect(result.batches).toBeGreaterThan(1);
    expect(result.batchMs.max).toBeGreaterThanOrEqual(result.batchMs.p50);
    expect(await scalar<string>('SELECT count(*) FROM b_basic WHERE score IS NULL')).toBe('0');
    expect(await scalar<string>('SELECT count(*) FROM b_basic WHERE score = -1')).toBe('2000');
    expect(await scalar<string>('SELECT count(*) FROM b_basic WHERE id % 10 <> 0 AND score <> id % 100')).toBe('0');
    expect(events[0]).toMatchObject({ type: 'start', key: ['id'], resumed: false });
    // Batch sizes adapt: the first is the given size, later ones follow the measured duration.
    const batches = events.filter((e): e is Extract<BackfillEvent, { type: 'batch' }> => e.type === 'batch');
    expect(batches[0]).toMatchObject({ batch: 1, scanned: 500 });
    expect(batches.reduce((sum, b) => sum + b.rows, 0)).toBe(18_000);

    const [record] = (await listBackfills(db.url)).filter((r) => r.name === 'basic');
    expect(record).toMatchObject({ status: 'finished', active: false, rows: 18_000, batches: result.batches, table: 'public.b_basic', set: 'score = id % 100', where: 'score IS NULL', key: ['id'] });
    const again = await backfill(db.url, { table: 'public.b_basic', set: 'score = id % 100', where: 'score IS NULL', name: 'basic' });
    expect(again).toMatchObject({ alreadyFinished: true, rowsThisRun: 0, rows: 18_000 });
  });

  it('stops after the batch in progress when aborted, and resumes where it stopped: counter + 1 exactly once per row', async () => {
    await items('b_resume', 10_000);
    const controller = new AbortController();
    let batches = 0;
    let done = 0;
    const stopped = await backfill(db.url, {
      table: 'b_resume',
      set: 'counter = counter + 1',
      maxRowsPerBatch: 700,
      firstBatchRows: 700,
      throttle: false,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'batch') return;
        done += e.rows;
        if (++batches === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toMatchObject({ code: 'E_INTERRUPTED' });
    // Batches adapt to their measured duration, so a slow machine may shrink the second or third:
    // what counts is that exactly the rows the three batches reported were changed, once.
    expect(done).toBeGreaterThan(700);
    expect(await scalar<string>('SELECT count(*) FROM b_resume WHERE counter = 1')).toBe(String(done));
    expect(await scalar<string>('SELECT count(*) FROM b_resume WHERE counter > 1')).toBe('0');
    expect((await listBackfills(db.url)).find((r) => r.table === 'public.b_resume')).toMatchObject({ status: 'interrupted', rows: done, batches: 3 });
    const resumed = await backfill(db.url, { table: 'b_resume', set: 'counter = counter + 1', maxRowsPerBatch: 700, throttle: false });
    expect(resumed).toMatchObject({ resumed: true, rows: 10_000, rowsThisRun: 10_000 - done });
    expect(await scalar<string>('SELECT count(*) FROM b_resume WHERE counter <> 1')).toBe('0');
  });

  it('survives SIGKILL at random moments: every row ends exactly as one uninterrupted run leaves it (10 trials)', async () => {
    await items('b_kill', 6_000);
    const run = (kill: boolean) => runBackfillChild({ BACKFILL_URL: db.url, BACKFILL_TABLE: 'b_kill', BACKFILL_SET: 'counter = counter + 1', BACKFILL_MAX_ROWS: '150' }, kill);
    let kills = 0;
    for (let trial = 0; trial < 10; trial++) if ((await run(true)).killed) kills++;
    await run(false);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(await scalar<string>('SELECT count(*) FROM b_kill WHERE counter <> 1')).toBe('0');
    expect((await listBackfills(db.url)).find((r) => r.table === 'public.b_kill')).toMatchObject({ status: 'finished', rows: 6_000 });
  }, 120_000);

  it('never overwrites what the application wrote meanwhile: the where is re-checked inside every batch', async () => {
    await items('b_app', 5_000);
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      // A write in flight on a row ahead of the backfill: its batch waits for it (or retries), then skips the row.
      await app.query('BEGIN');
      await app.query("UPDATE b_app SET status = 'suspended' WHERE id = 4000");
      let committed = false;
      const result = await backfill(db.url, {
        table: 'b_app',
        set: "status = 'active'",
        where: 'status IS NULL',
        firstBatchRows: 500,
        maxRowsPerBatch: 500,
        lockTimeoutMs: 200,
        onEvent: (e) => {
          // Committed writes between batches, on rows the backfill has not reached yet.
          if (e.type === 'batch' && e.batch === 1) void db.pool.query("UPDATE b_app SET status = 'inactive' WHERE id IN (2500, 4999)");
          if ((e.type === 'retry' || (e.type === 'batch' && e.batch === 7)) && !committed) {
            committed = true;
            void app.query('COMMIT');
          }
        },
      });
      expect(result.rows).toBeGreaterThanOrEqual(4_997);
      const { rows } = await db.pool.query("SELECT id, status FROM b_app WHERE status IS DISTINCT FROM 'active' ORDER BY id");
      expect(rows).toEqual([
        { id: 2500, status: 'inactive' },
        { id: 4000, status: 'suspended' },
        { id: 4999, status: 'inactive' },
      ]);
    } finally {
      await app.end();
    }
  });

  it('walks composite, text and uuid keys, and a unique NOT NULL key when there is no primary key', async () => {
    await db.pool.query(`
      CREATE TABLE b_comp (tenant int, seq int, v int, PRIMARY KEY (tenant, seq));
      INSERT INTO b_comp SELECT t, s, NULL FROM generate_series(1, 7) t, generate_series(1, 300) s;
      CREATE TABLE b_text (code text PRIMARY KEY, v int);
      INSERT INTO b_text SELECT 'k' || g || ' é', NULL FROM generate_series(1, 1500) g;
      CREATE TABLE b_uuid (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v int);
      INSERT INTO b_uuid (v) SELECT NULL FROM generate_series(1, 1500);
      CREATE TABLE b_unique (a int NOT NULL, b text NOT NULL, v int);
      CREATE UNIQUE INDEX ON b_unique (a, b);
      INSERT INTO b_unique SELECT g % 50, 'x' || g, NULL FROM generate_series(1, 1200) g;`);
    for (const table of ['b_comp', 'b_text', 'b_uuid', 'b_unique']) {
      const result = await backfill(db.url, { table, set: 'v = 1', where: 'v IS NULL', firstBatchRows: 100, maxRowsPerBatch: 170, throttle: false });
      const total = Number(await scalar<string>(`SELECT count(*) FROM ${table}`));
      expect({ table, rows: result.rows }).toEqual({ table, rows: total });
      expect(result.batches).toBeGreaterThan(5);
      expect(await scalar<string>(`SELECT count(*) FROM ${table} WHERE v IS DISTINCT FROM 1`)).toBe('0');
    }
    expect((await listBackfills(db.url)).find((r) => r.table === 'public.b_comp')?.key).toEqual(['tenant', 'seq']);
    expect((await listBackfills(db.url)).find((r) => r.table === 'public.b_unique')?.key).toEqual(['a', 'b']);
  });

  it('finishes at once on an empty table and on a where matching nothing', async () => {
    await db.pool.query('CREATE TABLE b_empty (id int PRIMARY KEY, v int)');
    expect(await backfill(db.url, { table: 'b_empty', set: 'v = 1' })).toMatchObject({ rows: 0, batches: 1, alreadyFinished: false });
    await items('b_none', 2_000);
    expect(await backfill(db.url, { table: 'b_none', set: 'score = 1', where: 'id < 0' })).toMatchObject({ rows: 0 });
    expect(await scalar<string>('SELECT count(*) FROM b_none WHERE score IS NOT NULL')).toBe('0');
  });

  it('refuses clearly, before changing anything: no key, no table, a bad SET list, a second statement, a changed spec under the same name, a run already in progress', async () => {
    await db.pool.query('CREATE TABLE b_nokey (a int, v int); INSERT INTO b_nokey SELECT g, NULL FROM generate_series(1, 10) g');
    await expect(backfill(db.url, { table: 'b_nokey', set: 'v = 1' })).rejects.toMatchObject({
      code: 'E_BACKFILL_NO_KEY',
      message: expect.stringContaining('public.b_nokey has no primary key'),
      hint: expect.stringContaining('ADD PRIMARY KEY'),
    });
    await expect(backfill(db.url, { table: 'public.nope', set: 'v = 1' })).rejects.toMatchObject({ code: 'E_BACKFILL_TABLE', message: 'table public.nope does not exist in this database' });
    await items('b_bad', 100);
    await expect(backfill(db.url, { table: 'b_bad', set: 'score = = 1' })).rejects.toMatchObject({ code: 'E_BACKFILL_SPEC' });
    await expect(backfill(db.url, { table: 'b_bad', set: 'score = 1', where: 'true; DROP TABLE b_bad' })).rejects.toMatchObject({ code: 'E_BACKFILL_SPEC' });
    expect(await scalar<string>('SELECT count(*) FROM b_bad WHERE score IS NOT NULL')).toBe('0');

    await backfill(db.url, { table: 'b_bad', set: 'score = 1', where: 'id < 10', name: 'named' });
    await expect(backfill(db.url, { table: 'b_bad', set: 'score = 2', name: 'named' })).rejects.toMatchObject({ code: 'E_BACKFILL_CHANGED' });

    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(7562338, hashtext('busy'))");
      await expect(backfill(db.url, { table: 'b_bad', set: 'score = 3', name: 'busy' })).rejects.toMatchObject({ code: 'E_BACKFILL_RUNNING', message: expect.stringContaining(`pid ${(holder as unknown as { processID: number }).processID}`) });
    } finally {
      await holder.end();
    }
  });

  it('retries a batch that waits too long for a row lock, with smaller batches, then finishes', async () => {
    await items('b_lock', 3_000);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM b_lock WHERE id = 1500 FOR UPDATE');
    const events: BackfillEvent[] = [];
    const running = backfill(db.url, {
      table: 'b_lock',
      set: 'score = 7',
      lockTimeoutMs: 100,
      firstBatchRows: 1_000,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'retry' && e.attempt === 2) void holder.query('COMMIT');
      },
    });
    const result = await running.finally(() => holder.end());
    expect(result.rows).toBe(3_000);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatchObject({ reason: 'lock-timeout', attempt: 1 });
  });

  it('takes a Drizzle table, a typed set and a Drizzle condition, through a drizzle database', async () => {
    await db.pool.query("CREATE TABLE b_users (id serial PRIMARY KEY, email text NOT NULL, status text, visits integer NOT NULL DEFAULT 0); INSERT INTO b_users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 1000) g; UPDATE b_users SET status = 'suspended' WHERE id <= 10");
    const users = pgTable('b_users', { id: serial('id').primaryKey(), email: text('email').notNull(), status: text('status'), visits: integer('visits').notNull().default(0) });
    const pool = new pg.Pool({ connectionString: db.url });
    try {
      const orm = drizzle(pool);
      const result = await backfill(orm, { table: users, set: { status: 'active' }, where: isNull(users.status), name: 'users-status' });
      expect(result).toMatchObject({ name: 'users-status', rows: 990 });
      expect(await scalar<string>("SELECT count(*) FROM b_users WHERE status = 'active'")).toBe('990');
      const dry = await planBackfill(orm, { table: users, set: { status: 'inactive' }, where: isNull(users.status) });
      expect(dry).toMatchObject({ table: 'public.b_users', key: ['id'], matchingRows: 0 });
    } finally {
      await pool.end();
    }
  });

  it('--dry-run counts the matching rows and times one batch without changing anything', async () => {
    await items('b_dry', 30_000);
    const dry = await planBackfill(db.url, { table: 'b_dry', set: 'score = 1', where: 'id % 3 = 0' });
    expect(dry).toMatchObject({ table: 'public.b_dry', key: ['id'], matchingRows: 10_000, tableRows: 30_000 });
    expect(dry.measuredRowsPerSecond).toBeGreaterThan(0);
    expect(dry.estimatedMs).toBeGreaterThan(0);
    expect(await scalar<string>('SELECT count(*) FROM b_dry WHERE score IS NOT NULL')).toBe('0');
    expect((await listBackfills(db.url)).find((r) => r.table === 'public.b_dry')).toBeUndefined();
  });
});
