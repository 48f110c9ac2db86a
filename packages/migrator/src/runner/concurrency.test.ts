import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { ADVISORY_LOCK_KEYS, migrate } from './index.js';
import type { LockTimeoutError } from '../errors.js';
import type { BlockingSession, RunnerEvent } from './types.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});
async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('conc');
  dbs.push(db);
  return db;
}

const LOGGED: MigrationSpec[] = [
  { tag: '0000_log', sql: "CREATE TABLE applied_log (tag text NOT NULL);\n--> statement-breakpoint\nINSERT INTO applied_log VALUES ('0000_log');" },
  ...[1, 2, 3, 4, 5].map((i) => ({
    tag: `000${i}_step`,
    sql: `CREATE TABLE t${i} (id int);\n--> statement-breakpoint\nINSERT INTO applied_log VALUES ('000${i}_step');\n--> statement-breakpoint\nSELECT pg_sleep(0.05);`,
  })),
];

describe('five runners started at once', () => {
  it('apply each migration exactly once, one run doing the work and the others finding nothing to do', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(LOGGED);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => migrate({ databaseUrl: db.url, migrationsFolder: folder, advisoryLockWaitMs: 60_000 })),
    );
    const { rows } = await db.pool.query<{ tag: string; n: number }>('SELECT tag, count(*)::int AS n FROM applied_log GROUP BY tag ORDER BY tag');
    expect(rows).toEqual(LOGGED.map((m) => ({ tag: m.tag, n: 1 })));
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, 0, 6]);
    const counts = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM drizzle.__drizzle_migrations) AS drizzle, (SELECT count(*)::int FROM sdk_migrator.migrations) AS ours,
              (SELECT count(*)::int FROM sdk_migrator.history WHERE outcome = 'succeeded') AS runs`,
    );
    expect(counts.rows[0]).toEqual({ drizzle: 6, ours: 6, runs: 5 });
  });
});

describe('the advisory lock', () => {
  it('makes a second runner wait, say who holds it, and fail clearly when the wait runs out', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(LOGGED);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_advisory_lock($1, $2)', [...ADVISORY_LOCK_KEYS]);
      const events: RunnerEvent[] = [];
      const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder, advisoryLockWaitMs: 800, onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_LOCKED' });
      expect((error as Error).message).toContain(`pid ${rows[0]!.pid}`);
      expect(events[0]).toMatchObject({ type: 'advisory-lock-wait', holder: { pid: rows[0]!.pid } });
      const { rows: none } = await db.pool.query("SELECT to_regclass('applied_log') AS t");
      expect(none[0].t).toBeNull();
    } finally {
      await holder.end();
    }
    const after = await migrate({ databaseUrl: db.url, migrationsFolder: folder, advisoryLockWaitMs: 5_000 });
    expect(after.applied).toHaveLength(6);
  });
});

describe('a session holding a lock on the table', () => {
  const SETUP: MigrationSpec[] = [{ tag: '0000_users', sql: 'CREATE TABLE users (id serial PRIMARY KEY, email text);' }];
  const ALTER: MigrationSpec = { tag: '0001_phone', sql: 'ALTER TABLE users ADD COLUMN phone text;' };

  async function holdAccessShare(db: TestDatabase): Promise<{ client: pg.Client; pid: number }> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // A long read transaction: it holds ACCESS SHARE until it ends, which ALTER TABLE must wait for.
    await client.query('BEGIN');
    await client.query('SELECT * FROM users LIMIT 1');
    return { client, pid: rows[0]!.pid };
  }

  it('makes migrate give up its lock wait at the lock timeout and retry while application queries keep going, then succeed once it ends', async () => {
    const db = await freshDb();
    await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder(SETUP) });
    const folder = await writeMigrationsFolder([...SETUP, ALTER]);
    const holder = await holdAccessShare(db);
    const lockTimeoutMs = 300;
    const events: RunnerEvent[] = [];
    const running = migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs, maxRetries: 30, onEvent: (e) => events.push(e) });

    // The application keeps reading and writing while the migration waits and retries.
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    // How long each round took is not asserted (timings belong in benchmarks): here, that every round
    // completes while the holder still blocks the migration (the COMMIT comes after the rounds).
    // A fixed count, not a time: 40 rounds of at least 25 ms outlast the 300 ms lock timeout, so the
    // migration gives up and retries meanwhile.
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      await app.query('SELECT count(*) FROM users');
      await app.query("INSERT INTO users (email) VALUES ('app@example.com')");
      await new Promise((r) => setTimeout(r, 25));
    }
    await app.end();
    await holder.client.query('COMMIT');
    await holder.client.end();
    const result = await running;

    expect((await db.pool.query("SELECT count(*)::int AS n FROM users WHERE email = 'app@example.com'")).rows[0].n).toBe(rounds);
    expect(result.applied[0]).toMatchObject({ tag: '0001_phone' });
    expect(result.applied[0]!.retries).toBeGreaterThanOrEqual(1);
    const timeouts = events.filter((e): e is Extract<RunnerEvent, { type: 'retry' }> => e.type === 'retry');
    expect(timeouts.every((e) => e.reason === 'lock-timeout')).toBe(true);
    expect(timeouts.length).toBe(result.applied[0]!.retries);
    const blockers: BlockingSession[] = timeouts.flatMap((e) => e.blockers);
    expect(blockers.map((b) => b.pid)).toContain(holder.pid);
    expect(blockers.find((b) => b.pid === holder.pid)).toMatchObject({ state: 'idle in transaction', query: 'SELECT * FROM users LIMIT 1' });
  });

  it('by default keeps retrying past an application transaction longer than a handful of attempts, pausing longer each time', async () => {
    const db = await freshDb();
    await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder(SETUP) });
    const folder = await writeMigrationsFolder([...SETUP, ALTER]);
    const holder = await holdAccessShare(db);
    setTimeout(() => void holder.client.query('COMMIT').then(() => holder.client.end()), 6_000);
    const events: RunnerEvent[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 300, onEvent: (e) => events.push(e) });
    const retries = events.filter((e): e is Extract<RunnerEvent, { type: 'retry' }> => e.type === 'retry');
    expect(result.applied[0]).toMatchObject({ tag: '0001_phone' });
    expect(retries.length).toBeGreaterThanOrEqual(3);
    // The pauses grow (jittered between half and all of 0.5 s, 1 s, 2 s, 4 s...), and the budget is time.
    expect(retries.at(-1)!.backoffMs).toBeGreaterThan(retries[0]!.backoffMs);
    expect(retries.every((r) => r.maxAttempts === undefined && r.remainingMs !== undefined)).toBe(true);
  });

  it('gives up after the retry bound with nothing left locked and nothing half-applied', async () => {
    const db = await freshDb();
    await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder(SETUP) });
    const folder = await writeMigrationsFolder([...SETUP, ALTER]);
    const holder = await holdAccessShare(db);
    try {
      const events: RunnerEvent[] = [];
      const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 100, maxRetries: 1, onEvent: (e) => events.push(e) }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'E_LOCK_TIMEOUT', attempts: 2 });
      // Even with a 100 ms lock_timeout the retry names who was in the way, and so does the error.
      const retry = events.find((e): e is Extract<RunnerEvent, { type: 'retry' }> => e.type === 'retry');
      expect(retry).toMatchObject({ reason: 'lock-timeout', attempt: 1, maxAttempts: 2 });
      expect(retry?.blockers.map((b) => b.pid)).toEqual([holder.pid]);
      expect((error as LockTimeoutError).blockers.map((b) => b.pid)).toEqual([holder.pid]);
      expect((error as Error).message).toContain(`in 2 attempts`);
      expect((error as Error).message).toContain(`blocked by pid ${holder.pid} (idle in transaction`);
      const { rows } = await db.pool.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'users'::regclass AND pid NOT IN ($1, pg_backend_pid())",
        [holder.pid],
      );
      expect(rows[0].n).toBe(0);
      const { rows: cols } = await db.pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone'");
      expect(cols[0].n).toBe(0);
      const { rows: history } = await db.pool.query('SELECT outcome, error FROM sdk_migrator.history ORDER BY id DESC LIMIT 1');
      expect(history[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('lock_timeout') });
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
  });
});
