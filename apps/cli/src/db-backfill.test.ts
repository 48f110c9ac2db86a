import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeMigrationsFolder } from '@big0290/testing';
import { BIN, childEnv, sdk } from './__fixtures__/sdk.js';
import { asCliUser, expectNoPassword, freshDb, useCliRole } from './__fixtures__/cli-db.js';

useCliRole();

describe('sdk db backfill', () => {
  it('--json prints one final object; a second run says it had finished; db backfills lists it', async () => {
    const db = await freshDb();
    await db.pool.query('CREATE TABLE items (id int PRIMARY KEY, score int); INSERT INTO items SELECT g, NULL FROM generate_series(1, 20000) g; ANALYZE items');
    const url = asCliUser(db);
    const args = ['db', 'backfill', '--table', 'public.items', '--set', 'score = id % 100', '--where', 'score IS NULL', '--json'];
    const run = await sdk(args, { env: { DATABASE_URL: url } });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(Object.keys(result).sort()).toEqual(['alreadyFinished', 'batchMs', 'batches', 'durationMs', 'name', 'resumed', 'rows', 'rowsPerSecond', 'table'].sort());
    expect(result).toMatchObject({ table: 'public.items', rows: 20_000, resumed: false, alreadyFinished: false, batchMs: { p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) } });
    expect(run.stderr).toBe('');
    expectNoPassword(run);
    const again = await sdk(args.slice(0, -1), { env: { DATABASE_URL: url } });
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('had already finished (20,000 rows): nothing to do.') });
    const list = await sdk(['db', 'backfills', '--json'], { env: { DATABASE_URL: url } });
    expect(JSON.parse(list.stdout).backfills).toEqual([expect.objectContaining({ name: result.name, status: 'finished', rows: 20_000, key: ['id'] })]);
    const text = await sdk(['db', 'backfills'], { env: { DATABASE_URL: url } });
    expect(text.stdout).toMatch(new RegExp(`${result.name.replace('.', '\\.')} +public\\.items +finished +20,000 +100%`));
  });

  it('--dry-run counts and estimates, changing nothing', async () => {
    const db = await freshDb();
    await db.pool.query('CREATE TABLE items (id int PRIMARY KEY, score int); INSERT INTO items SELECT g, NULL FROM generate_series(1, 5000) g; ANALYZE items');
    const run = await sdk(['db', 'backfill', '--table', 'items', '--set', 'score = 1', '--where', 'id <= 1000', '--dry-run', '--json'], { env: { DATABASE_URL: asCliUser(db) } });
    expect(JSON.parse(run.stdout)).toMatchObject({ table: 'public.items', matchingRows: 1000, tableRows: 5000 });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM items WHERE score IS NOT NULL')).rows[0].n).toBe(0);
  });

  it('bad input: one line, exit 1 or 2, nothing changed', async () => {
    const db = await freshDb();
    await db.pool.query('CREATE TABLE nokey (a int, v int); INSERT INTO nokey VALUES (1, NULL); CREATE TABLE keyed (id int PRIMARY KEY, v int); INSERT INTO keyed VALUES (1, NULL)');
    const env = { DATABASE_URL: asCliUser(db) };
    const noKey = await sdk(['db', 'backfill', '--table', 'nokey', '--set', 'v = 1'], { env });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^error: public\.nokey has no primary key and no unique index over NOT NULL columns.*\nhint: add a primary key/);
    const bad = await sdk(['db', 'backfill', '--table', 'keyed', '--set', 'v = 1; DROP TABLE keyed'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: the SET list and the WHERE condition must make one UPDATE/);
    const missing = await sdk(['db', 'backfill', '--table', 'nokey'], { env });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("required option '--set <sql>' not specified") });
    expect((await db.pool.query('SELECT v FROM nokey UNION ALL SELECT v FROM keyed')).rows).toEqual([{ v: null }, { v: null }]);
  });

  it('SIGKILLed at random moments (10 trials) and run again: every row ends as one uninterrupted run leaves it; Ctrl-C stops after the batch and exits 130', async () => {
    const db = await freshDb();
    await db.pool.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL DEFAULT 0); INSERT INTO counters (id) SELECT g FROM generate_series(1, 40000) g; ANALYZE counters');
    const url = asCliUser(db);
    const args = ['db', 'backfill', '--table', 'counters', '--set', 'n = n + 1', '--name', 'bump', '--batch-ms', '20', '--max-rows-per-batch', '500', '--verbose'];
    const start = () => spawn(process.execPath, [BIN, ...args], { env: childEnv({ DATABASE_URL: url }), stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = 0;
    for (let trial = 0; trial < 10; trial++) {
      const child = start();
      const exited = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      setTimeout(() => child.kill('SIGKILL'), 200 + Math.floor(Math.random() * 600));
      if ((await exited) === 'SIGKILL') killed++;
    }
    expect(killed).toBeGreaterThanOrEqual(5);
    // Ctrl-C: the batch in progress commits, the run stops, and says how to resume.
    const child = start();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Once it is under way (before, Ctrl-C would find Node's default handler).
    await new Promise<void>((resolve) => {
      child.stderr.on('data', () => stderr.includes('backfill bump on') && resolve());
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    const code = await exited;
    if (code === 130) expect(stderr).toMatch(/error: backfill bump stopped after batch \d+: [\d,]+ rows changed so far, every batch committed\nhint: run the same command again to resume/);
    else expect(code).toBe(0); // it finished before the signal came
    const last = await sdk(args, { env: { DATABASE_URL: url } });
    expect(last.code).toBe(0);
    const { rows } = await db.pool.query('SELECT n, count(*)::int AS c FROM counters GROUP BY n');
    expect(rows).toEqual([{ n: 1, c: 40_000 }]);
  }, 120_000);
});

describe('tracked data migrations through sdk db migrate and status', () => {
  it('runs the data migration between the schema migrations it sits between, and status shows it', async () => {
    const db = await freshDb();
    const url = asCliUser(db);
    const folder = await writeMigrationsFolder([
      { tag: '0000_init', sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);' },
      { tag: '0001_add_status', sql: 'ALTER TABLE "users" ADD COLUMN "status" text;' },
      { tag: '0002_status_required', sql: 'ALTER TABLE "users" ALTER COLUMN "status" SET NOT NULL;' },
    ]);
    expect((await sdk(['db', 'migrate', '--migrations', folder, '--to', '0000_init'], { env: { DATABASE_URL: url } })).code).toBe(0);
    await db.pool.query("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 3000) g");
    const data = await mkdtemp(join(tmpdir(), 'sdk-data-migrations-'));
    await writeFile(
      join(data, '0001_fill_status.ts'),
      "export default {\n  after: '0001_add_status' as string,\n  run: async ({ backfill }: { backfill: (o: object) => Promise<unknown> }) => {\n    await backfill({ table: 'users', set: \"status = 'active'\", where: 'status IS NULL' });\n  },\n};\n",
    );
    const pending = await sdk(['db', 'status', '--migrations', folder, '--data-migrations', data], { env: { DATABASE_URL: url } });
    expect(pending.code).toBe(1);
    expect(pending.stdout).toMatch(/Data migrations:\nNAME +AFTER +STATE\n0001_fill_status +pending/);
    const run = await sdk(['db', 'migrate', '--migrations', folder, '--data-migrations', data], { env: { DATABASE_URL: url } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('→ data migration 0001_fill_status (after 0001_add_status)');
    expect(run.stdout).toMatch(/^Applied 2 migrations in .*\nData migrations: 0001_fill_status \(after 0001_add_status, /m);
    const done = await sdk(['db', 'status', '--migrations', folder, '--data-migrations', data], { env: { DATABASE_URL: url } });
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/0001_fill_status +0001_add_status +finished/);
    expectNoPassword(run);
  });
});
