import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { writeMigrationsFolder } from '@big0290/testing';
import { BIN, sdk, type Run } from './__fixtures__/sdk.js';
import { asCliUser, expectNoPassword, freshDb, MIGRATIONS, PASSWORD, useCliRole } from './__fixtures__/cli-db.js';

useCliRole();

describe('sdk db migrate and status', () => {
  it('migrates, then status --json lists each migration with tag, phase and state', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const url = asCliUser(db);

    const before = await sdk(['db', 'status', '--json', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['pending', 'pending', 'pending']);

    const run = await sdk(['db', 'migrate', '--json', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_init', '0001_phone', '0002_required']);
    expect(result.target).toContain('sdk_cli:****@');

    const after = await sdk(['db', 'status', '--json', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(after.code).toBe(0);
    const report = JSON.parse(after.stdout);
    expect(report.migrations.map((m: Record<string, string>) => ({ tag: m.tag, phase: m.phase, state: m.state }))).toEqual([
      { tag: '0000_init', phase: 'expand', state: 'applied' },
      { tag: '0001_phone', phase: 'expand', state: 'applied' },
      { tag: '0002_required', phase: 'contract', state: 'applied' },
    ]);
    for (const r of [before, run, after]) expectNoPassword(r);
  });

  it('prints progress on stderr and a summary on stdout', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const run = await sdk(['db', 'migrate', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('→ 0001_phone (expand, 2 statements)');
    expect(run.stderr).toContain('outside a transaction: CREATE INDEX CONCURRENTLY "users_phone_idx"');
    expect(run.stdout).toMatch(/^Applied 3 migrations in /);
    const status = await sdk(['db', 'status', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(status.stdout).toMatch(/0002_required\s+contract\s+applied/);
    expect(status.stdout).toContain('Target:  postgres://sdk_cli:****@');
    expect(status.stdout).toContain('Up to date.');
  });

  it('with --dry-run prints the plan and changes nothing', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const run = await sdk(['db', 'migrate', '--dry-run', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Dry run: 3 migrations would be applied');
    expect(run.stdout).toMatch(/2\s+no-tx\s+CREATE INDEX CONCURRENTLY/);
    expect(run.stdout).toContain('0002_required  contract: line 1: makes auth.users.phone_number NOT NULL');
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ('auth', 'sdk_migrator', 'drizzle')");
    expect(rows[0].n).toBe(0);
  });

  it('with --phase expand stops before the contract migration and names the next step', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const run = await sdk(['db', 'migrate', '--phase', 'expand', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Applied 2 migrations');
    expect(run.stdout).toContain('Stopped before 0002_required: it is a contract migration');
    expect(run.stdout).toContain('1. deploy the application version that works with the new schema');
    expect(run.stdout).toContain('2. then run `pnpm sdk db migrate` (or `pnpm sdk db migrate --phase all`) to apply 0002_required.');
    const status = await sdk(['db', 'status', '--json', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).migrations.at(-1)).toMatchObject({ tag: '0002_required', phase: 'contract', state: 'pending' });
  });
});

describe('where sdk points', () => {
  it('reads DATABASE_URL from .env in the current directory, and the real environment wins over it', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS.slice(0, 1));
    const cwd = await mkdtemp(join(tmpdir(), 'sdk-dotenv-'));
    try {
      await writeFile(join(cwd, '.env'), `DATABASE_URL=${asCliUser(db)}\n`);
      const fromFile = await sdk(['db', 'status', '--json', '--migrations', folder], { cwd });
      expect(fromFile.code).toBe(1);
      expect(JSON.parse(fromFile.stdout).target).toBe(asCliUser(db).replace(PASSWORD, '****'));
      expectNoPassword(fromFile);

      const unreachable = `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db`;
      const fromEnv = await sdk(['db', 'status', '--migrations', folder], { cwd, env: { DATABASE_URL: unreachable } });
      expect(fromEnv.stderr).toContain('@127.0.0.1:1/db: connection refused');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('through `pnpm -s sdk` from the repository root prints only the command output on stdout', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const run = await new Promise<Run>((resolve) => {
      execFile('pnpm', ['-s', 'sdk', 'db', 'migrate', '--json', '--migrations', folder], { cwd: root, env: { ...process.env, DATABASE_URL: asCliUser(db) } }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).applied).toHaveLength(3);
    expectNoPassword(run);
  });
});

describe('lock contention', () => {
  it('reports each lock-timeout retry with the blocking session, then gives up with the next step', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([...MIGRATIONS.slice(0, 1), { tag: '0001_col', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "nickname" text;' }]);
    expect((await sdk(['db', 'migrate', '--to', '0000_init', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } })).code).toBe(0);
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      // An open transaction that read the table holds ACCESS SHARE, which ADD COLUMN's ACCESS EXCLUSIVE waits for.
      const { rows } = await blocker.query('SELECT pg_backend_pid() AS pid');
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM "auth"."users" /* a long report query that keeps its transaction open for a very long time */');
      const run = await sdk(['db', 'migrate', '--lock-timeout', '600', '--max-retries', '1', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('lock timeout on 0001_col statement 1 (attempt 1 of at most 2); rolled back, next attempt in');
      expect(run.stderr).toMatch(new RegExp(`blocked by pid ${rows[0].pid} \\(idle in transaction, \\d+s.*\\): SELECT count\\(\\*\\) FROM "auth"\\."users" /\\* a long report.{20,70}…\\n`));
      expect(run.stderr).toContain(`error: migration 0001_col statement 1 (line 1): could not get its lock within lock_timeout in 2 attempts over`);
      expect(run.stderr).toContain(`; blocked by pid ${rows[0].pid} (idle in transaction for`);
      expect(run.stderr).toContain('hint: let the blocking sessions finish (or end them)');
    } finally {
      await blocker.end();
    }
  });
});

describe('Ctrl-C during sdk db migrate', () => {
  it('says what was rolled back and what completed, exits 130, and status says the next migrate resumes', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([...MIGRATIONS.slice(0, 1), { tag: '0001_slow', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "x" int;\n--> statement-breakpoint\nSELECT pg_sleep(30);' }]);
    const url = asCliUser(db);
    const child = spawn(process.execPath, [BIN, 'db', 'migrate', '--verbose', '--migrations', folder], { env: { ...process.env, NO_COLOR: '1', DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('SELECT pg_sleep(30)')) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT: stopping and cleaning up');
    expect(stderr).toContain('error: interrupted by SIGINT: 0001_slow statement 2 was cancelled and its transaction rolled back; applied before it: 0000_init');
    expect(stderr).toContain('hint: run `sdk db migrate` again to resume');
    const after = await sdk(['db', 'status', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(after.stdout).toContain('Last run: interrupted');
    expect(after.stdout).toContain('1 pending: run `pnpm sdk db migrate` (the last run was interrupted; it resumes where it stopped, nothing needs fixing)');
    expect(after.stdout).not.toContain('fix the cause');
    expectNoPassword({ code: 0, stdout: after.stdout, stderr });
  });
});

