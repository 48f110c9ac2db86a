import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { ADVISORY_LOCK_KEYS } from '@big0290/migrator';
import { BIN, sdk, type Run } from './__fixtures__/sdk.js';

const PASSWORD = 's3cr3t-pw-XYZ';


const MIGRATIONS: MigrationSpec[] = [
  { tag: '0000_init', sql: 'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" text);' },
  { tag: '0001_phone', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20);\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "users_phone_idx" ON "auth"."users" ("phone_number");' },
  { tag: '0002_required', sql: 'ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;' },
];

const dbs: TestDatabase[] = [];
async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('cli');
  dbs.push(db);
  return db;
}

/** The test database's URL with a distinctive password set on its role, to check it never leaks. */
let admin: pg.Client;
beforeAll(async () => {
  const probe = await createTestDatabase('cli_probe');
  dbs.push(probe);
  admin = new pg.Client({ connectionString: probe.adminUrl });
  await admin.connect();
  await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sdk_cli') THEN CREATE ROLE sdk_cli LOGIN SUPERUSER; END IF; END $$`);
  await admin.query(`ALTER ROLE sdk_cli PASSWORD '${PASSWORD}'`);
});
afterAll(async () => {
  await admin.end();
  await Promise.all(dbs.map((d) => d.drop()));
});

function asCliUser(db: TestDatabase, password = PASSWORD): string {
  const url = new URL(db.url);
  url.username = 'sdk_cli';
  url.password = password;
  return url.toString();
}

function expectNoPassword(run: Run, password = PASSWORD): void {
  expect(run.stdout).not.toContain(password);
  expect(run.stderr).not.toContain(password);
}

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

describe('bad input gets one clear line, a non-zero exit, and never the password', () => {
  it('a malformed URL, named by where it came from and never echoed, even with --verbose', async () => {
    const run = await sdk(['db', 'status', '--verbose'], { env: { DATABASE_URL: `postgres//sdk_cli:${PASSWORD}@localhost/db` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: DATABASE_URL is not a valid postgres:\/\/ URL\nhint: /);
    expectNoPassword(run);

    const flag = await sdk(['db', 'migrate', '--database-url', `mysql://sdk_cli:${PASSWORD}@localhost/db`]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('error: --database-url must start with postgres:// or postgresql://, not mysql://');
    expectNoPassword(flag);
  });

  it('an unreachable host', async () => {
    const run = await sdk(['db', 'migrate'], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: cannot connect to postgres:\/\/sdk_cli:\*\*\*\*@127\.0\.0\.1:1\/db: connection refused .*\nhint: .+\n$/);
    expectNoPassword(run);
    const json = await sdk(['db', 'status', '--json'], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'E_CONNECTION', message: expect.stringContaining('connection refused') } });
    expectNoPassword(json);
    const verbose = await sdk(['db', 'status', '--verbose'], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(verbose.stderr).toContain('ECONNREFUSED');
    expectNoPassword(verbose);
  });

  it('a database that does not exist', async () => {
    const db = await freshDb();
    const url = new URL(asCliUser(db));
    url.pathname = '/no_such_db_here';
    const run = await sdk(['db', 'status'], { env: { DATABASE_URL: url.toString() } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: database no_such_db_here does not exist on postgres:\/\/sdk_cli:\*\*\*\*@/);
    expectNoPassword(run);
  });

  it('a wrong password', async () => {
    const db = await freshDb();
    const wrong = 'wr0ng-pw-QRS';
    const run = await sdk(['db', 'status', '--verbose'], { env: { DATABASE_URL: asCliUser(db, wrong) } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: authentication failed for user sdk_cli at postgres://sdk_cli:****@');
    expectNoPassword(run, wrong);
  });

  it('a password given with --database-url is not echoed, and the flag warns about the process list', async () => {
    const run = await sdk(['db', 'status', '--database-url', `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('prefer the DATABASE_URL environment variable');
    expectNoPassword(run);
  });

  it('an unknown option or a bad number is a usage error (exit 2) on one line', async () => {
    const unknown = await sdk(['db', 'migrate', '--bogus']);
    expect(unknown).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--bogus' (see --help)\n" });
    const bad = await sdk(['db', 'migrate', '--lock-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: option '--lock-timeout <ms>' argument 'soon' is invalid\. expected a whole number.*\n$/);
    const phase = await sdk(['db', 'migrate', '--phase', 'sideways']);
    expect(phase.code).toBe(2);
    expect(phase.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect((await sdk(['db', 'frobnicate'])).code).toBe(2);
  });

  it('a mistyped option holding a URL does not echo its password', async () => {
    const run = await sdk(['db', 'status', `--databse-url=postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: unknown option '--databse-url=postgres://sdk_cli:****@127.0.0.1:1/db'");
    expectNoPassword(run);
  });

  it('a missing journal', async () => {
    const db = await freshDb();
    const empty = await mkdtemp(join(tmpdir(), 'sdk-empty-'));
    const run = await sdk(['db', 'migrate', '--migrations', empty], { env: { DATABASE_URL: asCliUser(db) } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: no drizzle journal at ${join(empty, 'meta', '_journal.json')}`);
  });

  it('a syntax error, with file, line and column', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([MIGRATIONS[0]!, { tag: '0001_typo', sql: 'SELECT 1;\nALTER TABEL "auth"."users" ADD COLUMN "x" int;' }]);
    const run = await sdk(['db', 'migrate', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${join(folder, '0001_typo.sql')}:2:7: syntax error`);
  });

  it('an edited applied migration: a comment is not a change; a changed statement blocks until restored or accepted with sdk db repair', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const env = { DATABASE_URL: asCliUser(db) };
    expect((await sdk(['db', 'migrate', '--migrations', folder], { env })).code).toBe(0);
    const file = join(folder, '0000_init.sql');
    const original = await readFile(file, 'utf8');
    await writeFile(file, `${original}\n-- tweak`);
    expect((await sdk(['db', 'migrate', '--migrations', folder], { env })).code).toBe(0);
    const commented = await sdk(['db', 'status', '--migrations', folder], { env });
    expect(commented.code).toBe(0);
    expect(commented.stdout).toContain('applied (comments edited since)');

    await writeFile(file, original.replace('"email" text', '"email" varchar(200)'));
    const run = await sdk(['db', 'migrate', '--migrations', folder], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: migration 0000_init was edited after it was applied: its statements changed');
    expect(run.stderr).toContain('hint: restore the text that was applied');
    expect(run.stderr).toContain('is not tracked by git');
    expect(run.stderr).toContain('sdk db repair --accept 0000_init');
    const status = await sdk(['db', 'status', '--json', '--migrations', folder], { env });
    expect(JSON.parse(status.stdout).migrations[0]).toMatchObject({ tag: '0000_init', state: 'modified' });
    const listed = await sdk(['db', 'repair', '--migrations', folder], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/0000_init +statements changed \(blocks migrate\)/);
    const accepted = await sdk(['db', 'repair', '--accept', '0000_init', '--migrations', folder], { env });
    expect(accepted.stdout).toContain('Recorded 0000_init as applied with its current text');
    expect(accepted.stdout).toContain('Nothing was run');
    expect((await sdk(['db', 'migrate', '--migrations', folder], { env })).code).toBe(0);
  });

  it('another run holding the migration lock', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      const { rows } = await holder.query('SELECT pg_backend_pid() AS pid, pg_advisory_lock($1, $2)', [ADVISORY_LOCK_KEYS[0], ADVISORY_LOCK_KEYS[1]]);
      const run = await sdk(['db', 'migrate', '--lock-wait', '500', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`waiting for the migration lock: held by pid ${rows[0].pid}`);
      expect(run.stderr).toMatch(new RegExp(`error: another migration run holds the migration lock: pid ${rows[0].pid}`));
    } finally {
      await holder.end();
    }
  });
});

describe('the embedded default', () => {
  it('starts a local PostgreSQL under .sdk/ when no DATABASE_URL is set, and keeps its data', async () => {
    const project = await mkdtemp(join(tmpdir(), 'sdk-project-'));
    await chmod(project, 0o755);
    try {
      await writeFile(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
      const folder = await writeMigrationsFolder(MIGRATIONS);
      const migrate = await sdk(['db', 'migrate', '--migrations', folder], { cwd: project });
      expect(migrate.code).toBe(0);
      const notices = migrate.stderr.split('\n').filter((line) => line.includes('embedded PostgreSQL'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^sdk: no DATABASE_URL; using the embedded PostgreSQL in \.sdk\/postgres \(port \d+\)\. Set DATABASE_URL to target another database\.$/);
      expect(migrate.stdout).toMatch(/^Applied 3 migrations/);
      // The data persists; the server was stopped when the command ended.
      expect(existsSync(join(project, '.sdk', 'postgres', 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(project, '.sdk', 'postgres', 'postmaster.pid'))).toBe(false);
      expect((await stat(join(project, '.sdk'))).mode & 0o777).toBe(0o755);
      const { port } = JSON.parse(await readFile(join(project, '.sdk', 'embedded.json'), 'utf8'));

      // A start lock left by a killed sdk process is taken over.
      await writeFile(join(project, '.sdk', 'start.lock'), '999999999');
      const status = await sdk(['db', 'status', '--json', '--migrations', folder], { cwd: project });
      expect(status.code).toBe(0);
      expect(status.stderr).toContain(`(port ${port})`);
      expect(JSON.parse(status.stdout).migrations.every((m: { state: string }) => m.state === 'applied')).toBe(true);
      expect(JSON.parse(status.stdout).target).toMatch(/^postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/app$/);

      // Two runs at once share one server; neither stops it under the other.
      const more = await writeMigrationsFolder([...MIGRATIONS, { tag: '0003_slow', sql: 'SELECT pg_sleep(1.5);' }]);
      const pending = await sdk(['db', 'status', '--migrations', more], { cwd: project });
      expect(pending.code).toBe(1);
      expect(pending.stdout).toContain('Needs attention: 1 pending');
      const both = await Promise.all([0, 1].map(() => sdk(['db', 'migrate', '--json', '--migrations', more], { cwd: project })));
      expect(both.map((r) => r.code)).toEqual([0, 0]);
      expect(both.map((r) => JSON.parse(r.stdout).applied.length).sort()).toEqual([0, 1]);
      expect(existsSync(join(project, '.sdk', 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(project, '.sdk', 'start.lock'))).toBe(false);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 180_000);
  it('two first runs at once initialise one server between them and both succeed', async () => {
    const project = await mkdtemp(join(tmpdir(), 'sdk-project-'));
    await chmod(project, 0o755);
    try {
      await writeFile(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
      const folder = await writeMigrationsFolder(MIGRATIONS.slice(0, 1));
      const runs = await Promise.all([0, 1].map(() => sdk(['db', 'migrate', '--json', '--migrations', folder], { cwd: project })));
      expect(runs.map((r) => r.code)).toEqual([0, 0]);
      expect(runs.map((r) => JSON.parse(r.stdout).applied.length).sort()).toEqual([0, 1]);
      const ports = runs.map((r) => /\(port (\d+)\)/.exec(r.stderr)?.[1]);
      expect(ports[0]).toBeDefined();
      expect(ports[1]).toBe(ports[0]);
      expect(existsSync(join(project, '.sdk', 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 180_000);
});
