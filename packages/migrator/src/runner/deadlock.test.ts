import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import type { RowLocksError } from '../errors.js';
import { migrate } from './index.js';
import type { RunnerEvent } from './types.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

async function withRows(rows: number): Promise<{ db: TestDatabase; setup: MigrationSpec[] }> {
  const db = await createTestDatabase('deadlock');
  dbs.push(db);
  const setup: MigrationSpec[] = [{ tag: '0000_t', sql: `CREATE TABLE "t" ("id" int PRIMARY KEY, "v" int);\n--> statement-breakpoint\nINSERT INTO "t" SELECT g, 0 FROM generate_series(1, ${rows}) g;` }];
  await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder(setup) });
  return { db, setup };
}

/**
 * The migration the issue describes: a data change, then DDL on the same table, in one
 * transaction. The pause between them is when the application's write arrives.
 */
const dataThenDdl = (where: string): MigrationSpec => ({
  tag: '0001_data_then_ddl',
  sql: `UPDATE "t" SET "v" = "v" + 1${where};\n--> statement-breakpoint\nSELECT pg_sleep(1.5);\n--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "c" int;`,
});

/**
 * An application session that writes row 1 while the migration holds its row lock: its UPDATE
 * waits for the migration (holding ROW EXCLUSIVE on t), and the migration's ALTER then waits for
 * it. Its deadlock_timeout is long, so PostgreSQL's deadlock check picks the migration.
 */
async function applicationWriteDuringPause(db: TestDatabase): Promise<{ pid: number; done: Promise<unknown>; end: () => Promise<void> }> {
  const app = new pg.Client({ connectionString: db.url });
  await app.connect();
  await app.query("SET deadlock_timeout = '30s'");
  const { rows } = await app.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  for (;;) {
    const { rows: sleeping } = await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.5)%' AND state = 'active'");
    if (sleeping.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = app.query('UPDATE t SET v = 100 WHERE id = 1');
  return { pid: rows[0]!.pid, done, end: () => app.end() };
}

describe('a deadlock between a migration and the application', () => {
  it('is reported as a deadlock, names the application session as waiting for the migration, and is retried when few rows were locked', async () => {
    const { db, setup } = await withRows(100);
    const folder = await writeMigrationsFolder([...setup, dataThenDdl(' WHERE "id" <= 10')]);
    const events: RunnerEvent[] = [];
    const running = migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 10_000, retryForMs: 60_000, onEvent: (e) => events.push(e) });
    const app = await applicationWriteDuringPause(db);
    await app.done; // the migration was the deadlock victim: the application's write went through
    const result = await running;
    await app.end();
    expect(result.applied.map((a) => a.tag)).toEqual(['0001_data_then_ddl']);
    const retry = events.find((e): e is Extract<RunnerEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retry).toMatchObject({ reason: 'deadlock', attempt: 1 });
    expect(retry!.blockers).toEqual([expect.objectContaining({ pid: app.pid, waitsForUs: true })]);
    const { rows } = await db.pool.query('SELECT v FROM t WHERE id = 1');
    expect(rows[0].v).toBe(101); // the application's write, then the migration's retried UPDATE
  });

  it('is not retried when the transaction holds row locks on many rows: the data change belongs in a backfill', async () => {
    const { db, setup } = await withRows(2_000);
    const folder = await writeMigrationsFolder([...setup, dataThenDdl('')]);
    const events: RunnerEvent[] = [];
    const running = migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 10_000, retryRowLimit: 1_000, onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
    const app = await applicationWriteDuringPause(db);
    await app.done;
    const error = await running;
    await app.end();
    expect(error).toMatchObject({ code: 'E_ROW_LOCKS', rows: 2_000, reason: 'deadlock' });
    expect((error as Error).message).toContain('deadlock while its transaction held row locks on 2,000 rows of t');
    expect((error as Error).message).toContain('changed by statement 1, line 1');
    expect((error as { hint: string }).hint).toContain('`sdk db backfill --table ... --set ... --where ...`');
    expect((error as RowLocksError).blockers).toEqual([expect.objectContaining({ pid: app.pid, waitsForUs: true })]);
    expect(events.some((e) => e.type === 'retry')).toBe(false);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM t WHERE v = 1');
    expect(rows[0].n).toBe(0); // rolled back: nothing half-done
    const { rows: history } = await db.pool.query('SELECT outcome FROM sdk_migrator.history ORDER BY id DESC LIMIT 1');
    expect(history[0].outcome).toBe('failed');
  });
});
