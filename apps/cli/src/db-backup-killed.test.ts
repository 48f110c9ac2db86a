import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { findPgTool } from '@big0290/migrator/backup';
import { passwordRoleUrl, sdk as runSdk } from './__fixtures__/sdk.js';
import { closeGate, gateSql, holdsStdinOf, oneVerifyingFileAtATime, sessions, start, toolsMentioning, TURN_TIMEOUT_MS, waitFor } from './__fixtures__/killed.js';

/**
 * Issue 9: when only sdk dies (SIGKILL) during a backup, restore or verification, its pg_dump,
 * pg_restore and psql must die with it, a restore must not commit without the migration lock,
 * and a verification's scratch database left behind is dropped by the next one.
 */

const ROLE = 'sdk_killed_cli';
const PASSWORD = 'k1lled-s3cr3t-XYZ';
const GATE = `killed_gate_${process.pid}`;
const onLinux = existsSync('/proc/self/fd');

let db: TestDatabase;
let admin: pg.Client;
let url: string;
let dir: string;
let gated: string;
let plain: string;
let endTurn: () => Promise<void>;

const sdk = (args: string[], env: Record<string, string | undefined> = {}) => runSdk(args, { env: { DATABASE_URL: url, SDK_BACKUP_DIR: dir, ...env } });

/** What a restore would change. */
async function rows(): Promise<string> {
  const { rows: r } = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM items');
  return r[0]!.n;
}

async function exists(database: string): Promise<boolean> {
  const { rows: r } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  return r.length === 1;
}

/**
 * Waits until the restore run by sdk process `cli` is at the gated index (near the end of the
 * script), with pg_restore done and the rest of the script and the COMMIT in psql's pipe.
 */
async function atTheGate(cli: number): Promise<{ pid: number }> {
  await waitFor('the restore to reach the gate', async () => (await sessions(db.adminUrl, 'sdk restore (pg_restore %', db.name)).some((s) => s.query.includes('gated_gate_idx')));
  return waitFor('psql to have the whole script', () => {
    const [psql] = toolsMentioning('psql', db.name);
    return psql && !holdsStdinOf(cli, psql.pid) && toolsMentioning('pg_restore', gated).length === 0 ? psql : undefined;
  });
}

beforeAll(async () => {
  endTurn = await oneVerifyingFileAtATime();
  db = await createTestDatabase('cli_killed');
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  url = await passwordRoleUrl(admin, db.url, ROLE, PASSWORD);
  dir = await mkdtemp(join(tmpdir(), 'sdk-cli-killed-'));
  await db.pool.query('CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 1000) g');
  plain = JSON.parse((await sdk(['db', 'backup', '--json', '--output', join(dir, 'plain.dump')])).stdout).path;
  await db.pool.query(gateSql(GATE));
  gated = JSON.parse((await sdk(['db', 'backup', '--json', '--output', join(dir, 'gated.dump')])).stdout).path;
}, TURN_TIMEOUT_MS);

afterAll(async () => {
  await admin?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
  await endTurn?.();
});

describe.skipIf(!onLinux)('when only sdk is killed (SIGKILL)', () => {
  it('a killed backup takes pg_dump with it, and leaves no finished backup', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sdk-cli-killed-backup-'));
    // A lock pg_dump waits for as long as we hold it (--lock-timeout 0): it is mid-backup until then.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    const run = start(['db', 'backup', '--lock-timeout', '0'], { DATABASE_URL: url, SDK_BACKUP_DIR: folder });
    try {
      await waitFor('pg_dump to wait for the lock', async () => (await sessions(db.adminUrl, 'sdk backup (pg_dump)', db.name)).some((s) => s.waiting === 'Lock'));
      expect(toolsMentioning('pg_dump', folder)).toHaveLength(1);
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      await waitFor('pg_dump to die with sdk', () => toolsMentioning('pg_dump', folder).length === 0, 10_000);
      await holder.query('ROLLBACK');
      await waitFor('its session to end', async () => (await sessions(db.adminUrl, 'sdk backup (pg_dump)', db.name)).length === 0, 10_000);
      // Only the .partial, which no command takes for a backup (`backups prune` removes it later).
      for (const name of await readdir(folder)) expect(name).toMatch(/\.dump\.partial$/);
      expect(run.output()).not.toContain(PASSWORD);
    } finally {
      run.child.kill('SIGKILL');
      await holder.end();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a killed restore takes pg_restore and psql with it, and the target is unchanged', async () => {
    await db.pool.query('DELETE FROM items WHERE id > 500');
    const before = await rows();
    const open = await closeGate(db.adminUrl, GATE);
    const run = start(['db', 'restore', gated, '--yes', '--lock-timeout', '0'], { DATABASE_URL: url, SDK_BACKUP_DIR: dir });
    try {
      // psql waits at the gated index near the end, the rest of the script and the COMMIT in its pipe.
      await atTheGate(run.child.pid!);
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      await waitFor('psql to die with sdk', () => toolsMentioning('psql', db.name).length === 0, 10_000);
      await open();
      await waitFor('the restore session to end', async () => (await sessions(db.adminUrl, 'sdk restore (pg_restore %', db.name)).length === 0, 10_000);
      expect(await rows()).toBe(before);
    } finally {
      run.child.kill('SIGKILL');
      await open();
    }
  });

  it('without setpriv, the psql that outlives sdk still cannot commit: the lock check before COMMIT rolls it back', async () => {
    // Only the PostgreSQL tools on PATH: no setpriv, so nothing makes the tools die with sdk.
    const bin = await mkdtemp(join(tmpdir(), 'sdk-cli-no-setpriv-'));
    for (const name of ['pg_dump', 'pg_restore', 'psql'] as const) await symlink((await findPgTool(name, { atLeast: 1, why: 'the test' })).path, join(bin, name));
    await db.pool.query('DELETE FROM items WHERE id > 400');
    const before = await rows();
    const open = await closeGate(db.adminUrl, GATE);
    const run = start(['db', 'restore', gated, '--yes', '--lock-timeout', '0', '--pg-bin-dir', bin], { DATABASE_URL: url, SDK_BACKUP_DIR: dir, PATH: bin });
    try {
      const psql = await atTheGate(run.child.pid!);
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      expect(toolsMentioning('psql', db.name).map((p) => p.pid)).toEqual([psql.pid]);
      // sdk's session, and with it the migration lock, is gone; then psql gets to the COMMIT.
      await waitFor("sdk's session to end", async () => (await sessions(db.adminUrl, 'sdk restore', db.name)).length === 0, 10_000);
      await open();
      await waitFor('the orphaned psql to finish', () => toolsMentioning('psql', db.name).length === 0);
      expect(await rows()).toBe(before);
    } finally {
      run.child.kill('SIGKILL');
      await open();
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('a verify killed midway leaves its scratch database; the next verify drops it and says so', async () => {
    const open = await closeGate(db.adminUrl, GATE);
    const run = start(['db', 'verify-backup', gated], { DATABASE_URL: url });
    let scratch = '';
    try {
      const [restoring] = await waitFor('pg_restore to reach the gate', async () => {
        const found = await sessions(db.adminUrl, 'sdk verify-backup (pg_restore)', 'sdk\\_verify\\_%');
        return found.some((s) => s.query.includes('gated_gate_idx')) ? found : undefined;
      });
      scratch = restoring!.datname;
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      await waitFor('pg_restore to die with sdk', () => toolsMentioning('pg_restore', gated).length === 0, 10_000);
      // Its server session notices the lost client only once its statement (the gated index) ends.
      await open();
      await waitFor('nobody to be connected to the scratch database', async () => (await sessions(db.adminUrl, '%', scratch)).length === 0, 10_000);
      expect(await exists(scratch)).toBe(true);

      const next = await sdk(['db', 'verify-backup', plain]);
      expect(next.code).toBe(0);
      expect(next.stdout).toContain(`Cleaned:   dropped 1 scratch database left by an interrupted verify: ${scratch}`);
      expect(await exists(scratch)).toBe(false);
      expect(next.stdout + next.stderr + run.output()).not.toContain(PASSWORD);
    } finally {
      run.child.kill('SIGKILL');
      await open();
      if (scratch) await admin.query(`DROP DATABASE IF EXISTS "${scratch}"`);
    }
  });
});

describe('sdk db backups list', () => {
  const leftover = async () => {
    const name = `sdk_verify_${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`;
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
    return name;
  };

  it('with DATABASE_URL set, drops the scratch databases of interrupted verifications and says so', async () => {
    const text = await leftover();
    const run = await sdk(['db', 'backups', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Cleaned:   dropped 1 scratch database left by an interrupted verify: ${text}`);
    expect(await exists(text)).toBe(false);
    const json = await leftover();
    expect(JSON.parse((await sdk(['db', 'backups', 'list', '--json'])).stdout)).toMatchObject({ droppedScratchDatabases: [json], undroppedScratchDatabases: [] });
    expect(await exists(json)).toBe(false);
  });

  it('without a database URL touches no server: the next verify-backup cleans up', async () => {
    const name = await leftover();
    try {
      const run = await sdk(['db', 'backups', 'list', '--json'], { DATABASE_URL: undefined });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).droppedScratchDatabases).toEqual([]);
      expect(await exists(name)).toBe(true);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    }
  });
});
