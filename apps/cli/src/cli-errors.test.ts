import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMigrationsFolder } from '@big0290/testing';
import { ADVISORY_LOCK_KEYS } from '@big0290/migrator';
import { sdk } from './__fixtures__/sdk.js';
import { asCliUser, expectNoPassword, freshDb, MIGRATIONS, PASSWORD, useCliRole } from './__fixtures__/cli-db.js';

useCliRole();

describe('bad input gets one clear line, a non-zero exit, and never the password', () => {
  /** A migrations folder, as every project has: these cases are about the database. */
  let folder: string;
  beforeAll(async () => {
    folder = await writeMigrationsFolder(MIGRATIONS);
  });

  it('a malformed URL, named by where it came from and never echoed, even with --verbose', async () => {
    const run = await sdk(['db', 'status', '--verbose', '--migrations', folder], { env: { DATABASE_URL: `postgres//sdk_cli:${PASSWORD}@localhost/db` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: DATABASE_URL is not a valid postgres:\/\/ URL\nhint: /);
    expectNoPassword(run);

    const flag = await sdk(['db', 'migrate', '--migrations', folder, '--database-url', `mysql://sdk_cli:${PASSWORD}@localhost/db`]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('error: --database-url must start with postgres:// or postgresql://, not mysql://');
    expectNoPassword(flag);
  });

  it('an unreachable host', async () => {
    const run = await sdk(['db', 'migrate', '--migrations', folder], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: cannot connect to postgres:\/\/sdk_cli:\*\*\*\*@127\.0\.0\.1:1\/db: connection refused .*\nhint: .+\n$/);
    expectNoPassword(run);
    const json = await sdk(['db', 'status', '--json', '--migrations', folder], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'E_CONNECTION', message: expect.stringContaining('connection refused') } });
    expectNoPassword(json);
    const verbose = await sdk(['db', 'status', '--verbose', '--migrations', folder], { env: { DATABASE_URL: `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db` } });
    expect(verbose.stderr).toContain('ECONNREFUSED');
    expectNoPassword(verbose);
  });

  it('a database that does not exist', async () => {
    const db = await freshDb();
    const url = new URL(asCliUser(db));
    url.pathname = '/no_such_db_here';
    const run = await sdk(['db', 'status', '--migrations', folder], { env: { DATABASE_URL: url.toString() } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: database no_such_db_here does not exist on postgres:\/\/sdk_cli:\*\*\*\*@/);
    expectNoPassword(run);
  });

  it('a wrong password', async () => {
    const db = await freshDb();
    const wrong = 'wr0ng-pw-QRS';
    const run = await sdk(['db', 'status', '--verbose', '--migrations', folder], { env: { DATABASE_URL: asCliUser(db, wrong) } });
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

