import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { databaseOf, libpqTarget } from './libpq.js';

describe('libpqTarget', () => {
  it('moves the password to PGPASSWORD, out of the URL the child sees', () => {
    const t = libpqTarget('postgres://app:s%40cret%3A1@db.example.com:5433/shop?sslmode=require', 'sdk backup', {});
    expect(t.dbname).toBe('postgres://app@db.example.com:5433/shop?sslmode=require');
    expect(t.env).toEqual({ PGAPPNAME: 'sdk backup', PGPASSWORD: 's@cret:1' });
  });

  it('takes a password given as a query parameter too', () => {
    const t = libpqTarget('postgres://app@db/shop?password=hunter22', 'x', {});
    expect(t.dbname).toBe('postgres://app@db/shop');
    expect(t.env.PGPASSWORD).toBe('hunter22');
  });

  it("translates node-postgres's ssl parameters and drops the ones libpq would refuse", () => {
    expect(libpqTarget('postgres://a@h/d?ssl=true&schema=public', 'x', {}).dbname).toBe('postgres://a@h/d?sslmode=require');
    expect(libpqTarget('postgres://a@h/d?ssl=0', 'x', {}).dbname).toBe('postgres://a@h/d?sslmode=disable');
    expect(libpqTarget('postgres://a@h/d?sslmode=no-verify', 'x', {}).dbname).toBe('postgres://a@h/d?sslmode=require');
    expect(libpqTarget('postgres://a@h/d?ssl=true&sslmode=verify-full&sslrootcert=%2Fca.pem&connect_timeout=5', 'x', {}).dbname).toBe(
      'postgres://a@h/d?sslmode=verify-full&sslrootcert=%2Fca.pem&connect_timeout=5',
    );
  });

  it('names the database as libpq would', () => {
    expect(databaseOf('postgres://app@h/shop')).toBe('shop');
    expect(databaseOf('postgres://app@h')).toBe('app');
  });

  it('sslpassword is the client key passphrase, not the login password: it stays a libpq parameter, in a private service file, never on the command line', () => {
    const t = libpqTarget('postgres://app:login-pw@db/shop?sslmode=verify-full&sslkey=%2Fkeys%2Fapp.key&sslpassword=keypass', 'x', {});
    try {
      expect(t.env.PGPASSWORD).toBe('login-pw');
      expect(t.dbname).toBe('postgres://app@db/shop?sslmode=verify-full&sslkey=%2Fkeys%2Fapp.key&service=sdk');
      expect(t.dbname).not.toContain('keypass');
      const file = t.env.PGSERVICEFILE!;
      expect(readFileSync(file, 'utf8')).toMatch(/^\[sdk\]\nsslpassword=keypass$/m);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    } finally {
      t.dispose();
    }
    expect(existsSync(t.env.PGSERVICEFILE!)).toBe(false);
  });

  it('passfile is a path, not a password: it stays in the URL', () => {
    const t = libpqTarget('postgres://app@db/shop?passfile=%2Fhome%2Fapp%2F.pgpass', 'x', {});
    expect(t.env.PGPASSWORD).toBeUndefined();
    expect(t.dbname).toBe('postgres://app@db/shop?passfile=%2Fhome%2Fapp%2F.pgpass');
  });

  it('refuses an sslpassword it cannot hand to libpq unchanged, without echoing it', () => {
    for (const url of ['postgres://a@h/d?sslpassword=%20spaced%20', 'postgres://a@h/d?sslpassword=two%0Alines', 'postgres://a@h/d?service=prod&sslpassword=keypass']) {
      let error: unknown;
      try {
        libpqTarget(url, 'x', {});
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'E_CONFIG', hint: expect.stringContaining('pg_service.conf') });
      expect((error as Error).message).not.toMatch(/keypass|spaced|lines/);
    }
  });
});

describe('libpqTarget with the real psql', () => {
  const ROLE = 'sdk_libpq_login';
  const PASSWORD = 'login-s3cret';
  let db: TestDatabase;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('libpq');
    await db.pool.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} LOGIN; END IF; END $$`);
    await db.pool.query(`ALTER ROLE ${ROLE} PASSWORD '${PASSWORD}'`);
    const u = new URL(db.url);
    u.username = ROLE;
    u.password = PASSWORD;
    url = u.toString();
  });
  afterAll(async () => {
    await db?.drop();
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`).finally(() => admin.end());
  });

  const psql = (dbname: string, env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('psql', ['--no-psqlrc', '--tuples-only', '--no-align', `--dbname=${dbname}`, '--command=SELECT current_user'], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: stdout.trim(), stderr }),
      );
    });

  it('a URL with ?sslpassword= logs in with its own password: libpq reads the service file and authenticates', async () => {
    // sslmode=disable: the test server has no TLS; libpq still takes sslpassword (unused without a client key).
    const t = libpqTarget(`${url}?sslmode=disable&sslpassword=keypass`, 'sdk test', { PATH: process.env.PATH });
    try {
      const run = await psql(t.dbname, t.env);
      expect(run.stderr).toBe('');
      expect(run).toMatchObject({ code: 0, stdout: ROLE });
    } finally {
      t.dispose();
    }
  });
});
