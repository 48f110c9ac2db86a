import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { runBackfillChild } from './__fixtures__/killed-run.js';
import { copy, listBackfills, type BackfillEvent } from './index.js';


let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('copy');
});
afterAll(async () => {
  await db.drop();
});

/**
 * A source of `rows` rows and a target with no unique key at all: ON CONFLICT DO NOTHING never
 * fires there, so a batch copied twice shows as duplicate rows.
 */
async function tables(name: string, rows: number): Promise<void> {
  await db.pool.query(`CREATE TABLE ${name} (id int PRIMARY KEY, n int NOT NULL, label text);
    INSERT INTO ${name} SELECT g, g * 3, 'row ' || g FROM generate_series(1, ${rows}) g; ANALYZE ${name};
    CREATE TABLE ${name}_into (id bigint NOT NULL, n bigint, label text);`);
}
async function scalar<T>(sql: string): Promise<T> {
  const { rows } = await db.pool.query(sql);
  return Object.values(rows[0] ?? {})[0] as T;
}
/** Rows of the target that are not exactly one copy of a source row (expressions applied), either way. */
async function mismatches(name: string): Promise<string> {
  return scalar<string>(`SELECT count(*) FROM (
      (SELECT id::bigint, (n * 10)::bigint, upper(label) FROM ${name} EXCEPT ALL SELECT id, n, label FROM ${name}_into)
      UNION ALL
      (SELECT id, n, label FROM ${name}_into EXCEPT ALL SELECT id::bigint, (n * 10)::bigint, upper(label) FROM ${name})) d`);
}

describe('copy (the backfill engine\'s copy mode)', () => {
  it('copies every row into the target in keyset batches, with expressions, records it, and does nothing when run again', async () => {
    await tables('c_basic', 12_000);
    const events: BackfillEvent[] = [];
    const options = { table: 'c_basic', into: 'public.c_basic_into', columns: ['id', 'n', 'label'], select: ['id', 'n * 10', 'upper(label)'], firstBatchRows: 500, maxRowsPerBatch: 2_000, throttle: false };
    const result = await copy(db.url, { ...options, name: 'c-basic', onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ name: 'c-basic', table: 'public.c_basic', rows: 12_000, rowsThisRun: 12_000, resumed: false, alreadyFinished: false });
    expect(result.batches).toBeGreaterThan(5);
    expect(await mismatches('c_basic')).toBe('0');
    expect(events.filter((e) => e.type === 'batch')[0]).toMatchObject({ batch: 1, rows: 500 });
    expect((await listBackfills(db.url)).find((r) => r.name === 'c-basic')).toMatchObject({
      status: 'finished',
      table: 'public.c_basic',
      into: 'public.c_basic_into',
      set: '(id, n, label) SELECT id, n * 10, upper(label)',
      where: null,
      key: ['id'],
      rows: 12_000,
    });
    expect(await copy(db.url, { ...options, name: 'c-basic' })).toMatchObject({ alreadyFinished: true, rowsThisRun: 0 });
    expect(await scalar<string>('SELECT count(*) FROM c_basic_into')).toBe('12000');
  });

  it('stops after the batch in progress when aborted, and resumes where it stopped: every row copied exactly once', async () => {
    await tables('c_resume', 9_000);
    const controller = new AbortController();
    let batches = 0;
    let copied = 0;
    const options = { table: 'c_resume', into: 'c_resume_into', columns: ['id', 'n', 'label'], select: ['id', 'n * 10', 'upper(label)'], maxRowsPerBatch: 700, firstBatchRows: 700, throttle: false };
    const stopped = await copy(db.url, {
      ...options,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'batch') return;
        copied += e.rows;
        if (++batches === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toMatchObject({ code: 'E_INTERRUPTED', message: expect.stringContaining(`${copied} rows copied so far`) });
    expect(copied).toBeGreaterThan(700);
    expect(await scalar<string>('SELECT count(*) FROM c_resume_into')).toBe(String(copied));
    expect((await listBackfills(db.url)).find((r) => r.into === 'public.c_resume_into')).toMatchObject({ status: 'interrupted', rows: copied, batches: 3 });
    const resumed = await copy(db.url, options);
    expect(resumed).toMatchObject({ resumed: true, rows: 9_000, rowsThisRun: 9_000 - copied });
    expect(await scalar<string>('SELECT count(*) FROM c_resume_into')).toBe('9000');
    expect(await mismatches('c_resume')).toBe('0');
  });

  it('survives SIGKILL at random moments: every row copied exactly once (8 trials)', async () => {
    await tables('c_kill', 5_000);
    const env = { BACKFILL_URL: db.url, BACKFILL_TABLE: 'c_kill', BACKFILL_INTO: 'c_kill_into', BACKFILL_COLUMNS: 'id, n, label', BACKFILL_SELECT: 'id, n * 10, upper(label)', BACKFILL_MAX_ROWS: '150' };
    const run = (kill: boolean) => runBackfillChild(env, kill);
    let kills = 0;
    for (let trial = 0; trial < 8; trial++) if ((await run(true)).killed) kills++;
    await run(false);
    expect(kills).toBeGreaterThanOrEqual(4);
    expect(await scalar<string>('SELECT count(*) FROM c_kill_into')).toBe('5000');
    expect(await mismatches('c_kill')).toBe('0');
    expect((await listBackfills(db.url)).find((r) => r.into === 'public.c_kill_into')).toMatchObject({ status: 'finished', rows: 5_000 });
  }, 120_000);

  it('waits for a write in flight on a row it copies (FOR SHARE) and copies the row as written; a row already in the target is kept', async () => {
    await db.pool.query(`CREATE TABLE c_race (id int PRIMARY KEY, v text); INSERT INTO c_race SELECT g, 'old' FROM generate_series(1, 3000) g;
      CREATE TABLE c_race_into (id int PRIMARY KEY, v text); INSERT INTO c_race_into VALUES (2000, 'newer')`);
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    try {
      // Without FOR SHARE the batch would not wait: it would copy the row as its snapshot shows it, 'old'.
      await writer.query('BEGIN');
      await writer.query("UPDATE c_race SET v = 'written' WHERE id = 1500");
      const events: BackfillEvent[] = [];
      let committed = false;
      const result = await copy(db.url, {
        table: 'c_race',
        into: 'c_race_into',
        columns: ['id', 'v'],
        firstBatchRows: 1_000,
        maxRowsPerBatch: 1_000,
        lockTimeoutMs: 200,
        throttle: false,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'retry' && !committed) {
            committed = true;
            void writer.query('COMMIT');
          }
        },
      });
      expect(events.filter((e) => e.type === 'retry')[0]).toMatchObject({ reason: 'lock-timeout' });
      expect(result.rows).toBe(2_999);
      expect(await scalar<string>('SELECT v FROM c_race_into WHERE id = 1500')).toBe('written');
      expect(await scalar<string>('SELECT v FROM c_race_into WHERE id = 2000')).toBe('newer');
      expect(await scalar<string>("SELECT count(*) FROM c_race_into WHERE v = 'old'")).toBe('2998');
    } finally {
      await writer.end();
    }
  });

  it('refuses clearly before copying anything: no target, a column count that does not match, a second statement, the source as its own target', async () => {
    await tables('c_bad', 100);
    await expect(copy(db.url, { table: 'c_bad', into: 'public.nope', columns: ['id'] })).rejects.toMatchObject({ code: 'E_BACKFILL_TABLE', message: expect.stringContaining("public.nope (the copy's target) does not exist") });
    await expect(copy(db.url, { table: 'c_bad', into: 'c_bad_into', columns: ['id', 'n'], select: ['id'] })).rejects.toMatchObject({ code: 'E_BACKFILL_SPEC', message: expect.stringContaining('2 columns from 1 expressions') });
    await expect(copy(db.url, { table: 'c_bad', into: 'c_bad_into', columns: ['id'], select: ['id FROM c_bad; DROP TABLE c_bad; SELECT 1'] })).rejects.toMatchObject({ code: 'E_BACKFILL_SPEC' });
    await expect(copy(db.url, { table: 'c_bad', into: 'c_bad', columns: ['id'] })).rejects.toMatchObject({ code: 'E_BACKFILL_SPEC', message: expect.stringContaining('reads and writes public.c_bad') });
    expect(await scalar<string>('SELECT count(*) FROM c_bad')).toBe('100');
    expect(await scalar<string>('SELECT count(*) FROM c_bad_into')).toBe('0');
  });

  it('is not taken for finished when its target was dropped and created again: the recorded copy filled another table', async () => {
    await tables('c_again', 500);
    const options = { table: 'c_again', into: 'c_again_into', columns: ['id', 'n', 'label'], name: 'c-again' };
    await copy(db.url, options);
    await db.pool.query('DROP TABLE c_again_into; CREATE TABLE c_again_into (id bigint NOT NULL, n bigint, label text)');
    await expect(copy(db.url, options)).rejects.toMatchObject({ code: 'E_BACKFILL_CHANGED', hint: expect.stringContaining('was created again') });
    expect(await copy(db.url, { ...options, name: 'c-again-2' })).toMatchObject({ rows: 500 });
  });
});
