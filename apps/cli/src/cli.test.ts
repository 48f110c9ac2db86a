import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { ADVISORY_LOCK_KEYS } from '@big0290/migrator';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');
const PASSWORD = 's3cr3t-pw-XYZ';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sdk(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.DATABASE_URL;
  Object.assign(env, options.env);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? tmpdir(), timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

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
    expect(run.stdout).toContain('then run `pnpm sdk db migrate`');
    const status = await sdk(['db', 'status', '--json', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).migrations.at(-1)).toMatchObject({ tag: '0002_required', phase: 'contract', state: 'pending' });
  });
});

describe('bad input gets one clear line, a non-zero exit, and never the password', () => {
  it('a malformed URL', async () => {
    const run = await sdk(['db', 'status'], { env: { DATABASE_URL: `postgres//sdk_cli:${PASSWORD}@localhost/db` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: the database URL is not a valid postgres:\/\/ URL\nhint: /);
    expectNoPassword(run);
  });

  it('an unreachable host', async () => {
    const run = await sdk(['db', 'migrate'], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: cannot connect to postgres://sdk_cli:****@127.0.0.1:1/db: connection refused');
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

  it('an unknown option or a bad number is a usage error (exit 2)', async () => {
    expect((await sdk(['db', 'migrate', '--bogus'])).code).toBe(2);
    const bad = await sdk(['db', 'migrate', '--lock-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'soon' is invalid");
    expect((await sdk(['db', 'migrate', '--phase', 'sideways'])).code).toBe(2);
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

  it('an edited applied migration', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS);
    expect((await sdk(['db', 'migrate', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } })).code).toBe(0);
    const file = join(folder, '0000_init.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- tweak`);
    const run = await sdk(['db', 'migrate', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: migration 0000_init was edited after it was applied');
    expect(run.stderr).toContain('hint: restore the original file');
    const status = await sdk(['db', 'status', '--json', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db) } });
    expect(JSON.parse(status.stdout).migrations[0]).toMatchObject({ tag: '0000_init', state: 'modified' });
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
      expect(migrate.stderr.split('\n')[0]).toMatch(/^sdk: no DATABASE_URL; using the embedded PostgreSQL in \.sdk\/postgres \(port \d+\)\. Set DATABASE_URL/);
      expect(existsSync(join(project, '.sdk', 'postgres', 'PG_VERSION'))).toBe(true);

      const status = await sdk(['db', 'status', '--json', '--migrations', folder], { cwd: project });
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).migrations.every((m: { state: string }) => m.state === 'applied')).toBe(true);

      // Two runs at once share one server; neither stops it under the other.
      const more = await writeMigrationsFolder([...MIGRATIONS, { tag: '0003_slow', sql: 'SELECT pg_sleep(1.5);' }]);
      const both = await Promise.all([0, 1].map(() => sdk(['db', 'migrate', '--json', '--migrations', more], { cwd: project })));
      expect(both.map((r) => r.code)).toEqual([0, 0]);
      expect(both.map((r) => JSON.parse(r.stdout).applied.length).sort()).toEqual([0, 1]);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 180_000);
});
