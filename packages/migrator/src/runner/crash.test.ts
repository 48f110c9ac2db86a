import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, JOURNAL_BASE_WHEN, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from './index.js';
import { status } from '../status.js';
import type { RunnerEvent } from './types.js';

// A runner SIGKILLed at the worst moments (between statements, inside a transaction, during a
// concurrent index build, a REINDEX CONCURRENTLY, right after DROP INDEX CONCURRENTLY), then run
// again, must end exactly where an uninterrupted run ends. Races and lock contention are in
// concurrency.test.ts.

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE = join(HERE, '..', '..');
const CHILD = join(HERE, '__fixtures__', 'run-migrate.mjs');

type ChildEvent =
  | RunnerEvent
  | { type: 'frozen' }
  | { type: 'finished'; applied: string[] }
  | { type: 'failed'; code: string | null; message: string };

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});
async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  databases.push(db);
  return db;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Polls `check` until it returns true; returns how long that took. */
async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(25);
  }
}

/** Sessions the runner opened on `db` (its main session and its monitor), from another session. */
async function runnerSessions(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'sdk migrate%'",
  );
  return rows[0]!.n;
}


describe('a runner killed with SIGKILL and run again', () => {
  const ROWS = 2_000;
  const MIGRATIONS: MigrationSpec[] = [
    {
      tag: '0000_items',
      sql: `CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
--> statement-breakpoint
CREATE TABLE crash_log (entry text NOT NULL);
--> statement-breakpoint
INSERT INTO items SELECT g, g % 97 FROM generate_series(1, ${ROWS}) g;
--> statement-breakpoint
-- IMMUTABLE so it can be indexed; the sleep makes an index build over ${ROWS} rows last seconds.
CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN $1; END $$;`,
    },
    {
      // A transactional part, a statement that must run outside a transaction, another part.
      tag: '0001_mixed',
      sql: `ALTER TABLE items ADD COLUMN a int;
--> statement-breakpoint
INSERT INTO crash_log VALUES ('0001 before the index');
--> statement-breakpoint
CREATE INDEX CONCURRENTLY items_v_idx ON items (v);
--> statement-breakpoint
ALTER TABLE items ADD COLUMN b int;
--> statement-breakpoint
INSERT INTO crash_log VALUES ('0001 after the index');`,
    },
    {
      tag: '0002_slow_transaction',
      sql: `ALTER TABLE items ADD COLUMN c int;
--> statement-breakpoint
INSERT INTO crash_log VALUES ('0002');
--> statement-breakpoint
SELECT pg_sleep(2);
--> statement-breakpoint
ALTER TABLE items ADD COLUMN d int;`,
    },
    { tag: '0003_slow_index', sql: 'CREATE INDEX CONCURRENTLY items_slow_idx ON items (slow_key(id));' },
    // Rebuilds the slow index under a new name (items_slow_idx_ccnew), then swaps the two.
    { tag: '0004_slow_reindex', sql: 'REINDEX INDEX CONCURRENTLY items_slow_idx;' },
    { tag: '0005_drop_index', sql: 'DROP INDEX CONCURRENTLY items_v_idx;' },
    { tag: '0006_last', sql: "ALTER TABLE items ADD COLUMN e int;\n--> statement-breakpoint\nINSERT INTO crash_log VALUES ('0006');" },
  ];
  const TAGS = MIGRATIONS.map((m) => m.tag!);

  interface Snapshot {
    columns: unknown[];
    indexes: unknown[];
    notValid: string[];
    drizzle: unknown[];
    ours: unknown[];
    progress: number;
    crashLog: unknown[];
  }

  async function snapshot(db: TestDatabase): Promise<Snapshot> {
    const q = async (sql: string) => (await db.pool.query(sql)).rows;
    return {
      columns: await q(
        `SELECT table_schema, table_name, column_name, ordinal_position, data_type, is_nullable, column_default
           FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 4`,
      ),
      indexes: await q("SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname <> 'pg_catalog' ORDER BY 1, 3"),
      notValid: (await q('SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT (indisvalid AND indisready) ORDER BY 1')).map((r) => r.name as string),
      // Not the serial id: a transaction rolled back by the kill may have consumed a value.
      drizzle: await q('SELECT hash, created_at::text FROM drizzle.__drizzle_migrations ORDER BY created_at'),
      ours: await q('SELECT tag, idx, hash, created_at::text, phase, statements FROM sdk_migrator.migrations ORDER BY created_at'),
      progress: (await q('SELECT count(*)::int AS n FROM sdk_migrator.progress'))[0].n as number,
      crashLog: await q('SELECT entry, count(*)::int AS n FROM crash_log GROUP BY entry ORDER BY entry'),
    };
  }

  /** The built library the child runs must not be older than the sources under test. */
  function staleBuildOutputs(): string[] {
    const stale: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== '__fixtures__') walk(path);
        } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
          const built = join(PACKAGE, 'dist', relative(join(PACKAGE, 'src'), path).replace(/\.ts$/, '.js'));
          if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) stale.push(relative(PACKAGE, path));
        }
      }
    };
    walk(join(PACKAGE, 'src'));
    return stale;
  }

  interface KilledRun {
    events: ChildEvent[];
    signal: NodeJS.Signals | null;
    stderr: string;
  }

  type KillPoint =
    /** After the first event `killAt` matches, SIGKILL as soon as the database shows `until` (the runner keeps going meanwhile). */
    | { killAt: (e: ChildEvent) => boolean; until: (db: TestDatabase) => Promise<boolean>; freezeAfter?: undefined }
    /** Freeze the child inside onEvent right after this event, then SIGKILL it: the runner's next step never happens. */
    | { freezeAfter: { type: 'statement-start' | 'statement-done'; tag: string; index: number }; killAt?: undefined; until?: undefined };

  /** Runs the runner in a child process and SIGKILLs it at `point`. */
  function runAndKill(db: TestDatabase, folder: string, point: KillPoint): Promise<KilledRun> {
    const killAt = point.freezeAfter ? (e: ChildEvent) => e.type === 'frozen' : point.killAt;
    const until = point.until ?? (async () => true);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD], {
        env: {
          ...process.env,
          MIGRATE_URL: db.url,
          MIGRATE_FOLDER: folder,
          ...(point.freezeAfter ? { MIGRATE_FREEZE_AFTER: JSON.stringify(point.freezeAfter) } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const events: ChildEvent[] = [];
      let stderr = '';
      let armed = true;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      createInterface({ input: child.stdout }).on('line', (line) => {
        let event: ChildEvent;
        try {
          event = JSON.parse(line) as ChildEvent;
        } catch {
          return; // a line cut short by the kill
        }
        events.push(event);
        if (armed && killAt(event)) {
          armed = false;
          waitUntil('the moment to kill the runner has come', () => until(db), 20_000)
            .then(() => {
              child.kill('SIGKILL');
            })
            .catch((error: unknown) => {
              child.kill('SIGKILL');
              reject(error as Error);
            });
        }
      });
      child.on('error', reject);
      child.on('close', (_code, signal) => resolve({ events, signal, stderr }));
    });
  }

  async function runnerIsRunning(db: TestDatabase, query: string): Promise<boolean> {
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'sdk migrate (host=%' AND state = 'active' AND query = $1",
      [query],
    );
    return rows[0]!.n > 0;
  }

  async function indexExists(db: TestDatabase, name: string): Promise<boolean> {
    const { rows } = await db.pool.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`public.${name}`]);
    return rows[0]!.ok;
  }

  /** Matches a statement event by migration and statement index (0-based position in the file). */
  const at = (type: 'statement-start' | 'statement-done', tag: string, index: number) => (e: ChildEvent) =>
    e.type === type && e.tag === tag && e.index === index;

  let folder: string;
  let expected: Snapshot;

  beforeAll(async () => {
    const stale = staleBuildOutputs();
    if (stale.length > 0) {
      throw new Error(`the child process runs packages/migrator/dist, which is older than ${stale.join(', ')}: run \`pnpm --filter @big0290/migrator build\` first`);
    }
    folder = await writeMigrationsFolder(MIGRATIONS);
    const reference = await freshDatabase('robust_ref');
    const result = await migrate({ databaseUrl: reference.url, migrationsFolder: folder });
    expect(result.applied.map((a) => a.tag)).toEqual(TAGS);
    expected = await snapshot(reference);
    expect(expected.notValid).toEqual([]);
    expect(expected.progress).toBe(0);
    expect(expected.drizzle).toEqual(MIGRATIONS.map((m, i) => ({ hash: sha256(m.sql), created_at: String(JOURNAL_BASE_WHEN + i * 1000) })));
    expect(expected.crashLog).toEqual([
      { entry: '0001 after the index', n: 1 },
      { entry: '0001 before the index', n: 1 },
      { entry: '0002', n: 1 },
      { entry: '0006', n: 1 },
    ]);
  }, 120_000);

  // Each case has its own database: they run side by side.
  it.concurrent.each<{ when: string; point: KillPoint; leavesInvalid?: string }>([
    {
      // The index is built and valid, but the runner has not yet recorded the statement as done.
      when: 'between statements, right after the concurrent index build of a mixed migration',
      point: { freezeAfter: { type: 'statement-done', tag: '0001_mixed', index: 2 } }, // CREATE INDEX CONCURRENTLY items_v_idx
    },
    {
      when: 'inside a transaction, while it sleeps between two ALTER TABLEs',
      point: { killAt: at('statement-start', '0002_slow_transaction', 2), until: (db) => runnerIsRunning(db, 'SELECT pg_sleep(2)') },
    },
    {
      // The killed build leaves items_slow_idx INVALID; the next run drops and rebuilds it.
      when: 'during a slow concurrent index build',
      // Kill once the build's first transaction has committed the (not yet valid) index.
      point: { killAt: at('statement-start', '0003_slow_index', 0), until: (db) => indexExists(db, 'items_slow_idx') },
      leavesInvalid: 'public.items_slow_idx',
    },
    {
      // The killed REINDEX leaves an INVALID items_slow_idx_ccnew next to the (still valid) original.
      when: 'during a slow REINDEX CONCURRENTLY',
      point: { killAt: at('statement-start', '0004_slow_reindex', 0), until: (db) => indexExists(db, 'items_slow_idx_ccnew') },
      leavesInvalid: 'public.items_slow_idx_ccnew',
    },
    {
      // The index is gone, but the runner has not yet recorded the statement as done.
      when: 'right after DROP INDEX CONCURRENTLY, before it was recorded as done',
      point: { freezeAfter: { type: 'statement-done', tag: '0005_drop_index', index: 0 } },
    },
])('$when ends in the same schema as an uninterrupted run', async ({ point, leavesInvalid }) => {
    const db = await freshDatabase('robust_kill');
    const killed = await runAndKill(db, folder, point);
    expect(killed.signal, `not killed; last event ${JSON.stringify(killed.events.at(-1))}; stderr: ${killed.stderr}`).toBe('SIGKILL');
    expect(killed.events.some((e) => e.type === 'finished' || e.type === 'failed')).toBe(false);
    if (point.freezeAfter) expect(killed.events.at(-1)).toEqual({ type: 'frozen' });

    // Right after the kill the server may not have noticed yet: the run is either still in
    // progress (its backend holds the lock) or already reported as interrupted.
    const early = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(early.needsAttention).toBe(true);
    expect(early.runInProgress !== null || early.lastRun?.outcome === 'interrupted').toBe(true);

    // client_connection_check_interval makes the orphaned backend notice its client is gone
    // while its statement still runs, instead of after the statement (or the index build) ends.
    await waitUntil('the killed runner backend has exited', async () => (await runnerSessions(db)) === 0, 20_000);

    const between = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(between.runInProgress).toBeNull();
    expect(between.lastRun?.outcome).toBe('interrupted');
    expect(between.needsAttention).toBe(true);
    const pendingBefore = between.migrations.filter((m) => m.state === 'pending').map((m) => m.tag);
    expect(pendingBefore.length).toBeGreaterThan(0);
    const { rows: progressRows } = await db.pool.query<{ tag: string; state: string }>('SELECT tag, state FROM sdk_migrator.progress');
    const invalidBefore = between.invalidIndexes.map((i) => `${i.schema}.${i.name}`);
    expect(invalidBefore).toEqual(leavesInvalid ? [leavesInvalid] : []);

    const events: RunnerEvent[] = [];
    const rerun = await migrate({ databaseUrl: db.url, migrationsFolder: folder, advisoryLockWaitMs: 30_000, onEvent: (e) => events.push(e) });

    // It applied exactly what was left, resuming a partly applied migration where it stopped.
    expect(rerun.applied.map((a) => a.tag)).toEqual(pendingBefore);
    for (const applied of rerun.applied) {
      const doneBefore = progressRows.some((r) => r.tag === applied.tag && r.state === 'done');
      expect(applied.resumed, `${applied.tag} resumed`).toBe(doneBefore);
    }
    expect(await snapshot(db)).toEqual(expected);

    // A killed CREATE INDEX CONCURRENTLY: its INVALID index is dropped and built again. No valid
    // index is ever dropped, and only what the kill left behind is reported as rebuilt.
    const invalidEvents = events.filter((e): e is Extract<RunnerEvent, { type: 'invalid-index' }> => e.type === 'invalid-index');
    expect(rerun.rebuiltIndexes).toEqual(invalidEvents.map((e) => e.index));
    for (const e of invalidEvents) expect(invalidBefore).toContain(e.index);
    if (leavesInvalid === 'public.items_slow_idx') {
      expect(invalidEvents).toEqual([{ type: 'invalid-index', index: 'public.items_slow_idx', attempt: 1, action: 'drop-and-rebuild' }]);
    }

    const after = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(after.migrations.map((m) => m.state)).toEqual(TAGS.map(() => 'applied'));
    expect(after.invalidIndexes).toEqual([]);
    expect(after.lastRun?.outcome).toBe('succeeded');
    expect(after.needsAttention).toBe(false);
    const { rows: history } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM sdk_migrator.history ORDER BY id');
    expect(history.map((h) => h.outcome)).toEqual(['interrupted', 'succeeded']);
  }, 120_000);
});
