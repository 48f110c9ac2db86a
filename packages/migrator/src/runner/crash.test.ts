import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate, status } from './index.js';
import type { RunnerEvent } from './types.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-fixtures', 'migrate-child.mjs');

const MIGRATIONS: MigrationSpec[] = [
  {
    tag: '0000_items',
    sql: `CREATE TABLE items (id int PRIMARY KEY, v int);
--> statement-breakpoint
INSERT INTO items SELECT g, g % 97 FROM generate_series(1, 1500) g;
--> statement-breakpoint
-- IMMUTABLE so it can be indexed; the sleep makes an index build on it last a few seconds.
CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN $1; END $$;`,
  },
  {
    tag: '0001_mixed',
    sql: `ALTER TABLE items ADD COLUMN a int;
--> statement-breakpoint
CREATE INDEX CONCURRENTLY items_v_idx ON items (v);
--> statement-breakpoint
ALTER TABLE items ADD COLUMN b int;`,
  },
  {
    tag: '0002_slow_tx',
    sql: `ALTER TABLE items ADD COLUMN c int;
--> statement-breakpoint
SELECT pg_sleep(3);
--> statement-breakpoint
ALTER TABLE items ADD COLUMN d int;`,
  },
  { tag: '0003_slow_index', sql: 'CREATE INDEX CONCURRENTLY items_slow_idx ON items (slow_key(id));' },
  { tag: '0004_last', sql: 'ALTER TABLE items ADD COLUMN e int;' },
];

type Event = RunnerEvent | { type: 'finished' };

/** Starts the runner in a child process and SIGKILLs it when `killAt` first matches an event. */
function runAndKill(url: string, folder: string, killAt: (e: Event) => boolean, delayMs = 0): Promise<{ killed: boolean; events: Event[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], { env: { ...process.env, MIGRATE_URL: url, MIGRATE_FOLDER: folder }, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Event[] = [];
    let killed = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Event;
      events.push(event);
      if (!killed && killAt(event)) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ killed, events }));
  });
}

interface Snapshot {
  columns: string[];
  indexes: string[];
  invalid: number;
  drizzle: string[];
  ours: string[];
  progress: number;
}

async function snapshot(db: TestDatabase): Promise<Snapshot> {
  const q = async (sql: string) => (await db.pool.query(sql)).rows;
  return {
    columns: (await q("SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position")).map((r) => r.c),
    indexes: (await q("SELECT indexdef FROM pg_indexes WHERE tablename = 'items' ORDER BY indexname")).map((r) => r.indexdef),
    invalid: (await q('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid'))[0].n,
    drizzle: (await q('SELECT hash || created_at AS h FROM drizzle.__drizzle_migrations ORDER BY created_at')).map((r) => r.h),
    ours: (await q('SELECT tag FROM sdk_migrator.migrations ORDER BY created_at')).map((r) => r.tag),
    progress: (await q('SELECT count(*)::int AS n FROM sdk_migrator.progress'))[0].n,
  };
}

const dbs: TestDatabase[] = [];
let folder: string;
let expected: Snapshot;

beforeAll(async () => {
  folder = await writeMigrationsFolder(MIGRATIONS);
  const reference = await createTestDatabase('crash_ref');
  dbs.push(reference);
  await migrate({ databaseUrl: reference.url, migrationsFolder: folder });
  expected = await snapshot(reference);
  expect(expected.indexes).toHaveLength(3);
}, 120_000);
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const isEvent = (type: string, tag: string, index?: number) => (e: Event) =>
  e.type === type && 'tag' in e && e.tag === tag && (index === undefined || ('index' in e && e.index === index));

describe('a runner killed with SIGKILL and run again', () => {
  it.each([
    ['between statements, right after a concurrent index build', isEvent('statement-done', '0001_mixed', 1), 0, []],
    ['inside a transaction', isEvent('statement-start', '0002_slow_tx', 1), 200, []],
    // The killed build leaves items_slow_idx INVALID; the next run drops and rebuilds it.
    ['during a concurrent index build', isEvent('statement-start', '0003_slow_index', 0), 500, ['public.items_slow_idx']],
  ])('%s ends in the same schema as an uninterrupted run', async (_when, killAt, delayMs, rebuilt) => {
    const db = await createTestDatabase('crash');
    dbs.push(db);
    const { killed, events } = await runAndKill(db.url, folder, killAt, delayMs);
    expect(killed).toBe(true);
    expect(events.at(-1)?.type).not.toBe('finished');

    const between = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(between.needsAttention).toBe(true);
    expect(between.runInProgress !== null || between.lastRun?.outcome === 'interrupted').toBe(true);

    const rerun = await migrate({ databaseUrl: db.url, migrationsFolder: folder, advisoryLockWaitMs: 30_000 });
    expect(rerun.applied.length).toBeGreaterThan(0);
    expect(rerun.rebuiltIndexes).toEqual(rebuilt);
    expect(await snapshot(db)).toEqual(expected);
    const after = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(after.needsAttention).toBe(false);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM sdk_migrator.history WHERE outcome = 'interrupted'");
    expect(rows[0].n).toBe(1);
  }, 120_000);
});
