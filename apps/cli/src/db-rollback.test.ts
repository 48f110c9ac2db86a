import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, oneVerifyingFileAtATime, TURN_TIMEOUT_MS, writeMigrationsFolder, type MigrationSpec, type SnapshotColumn, type TestDatabase } from '@big0290/testing';
import { migrate } from '@big0290/migrator';
import { sdk } from './__fixtures__/sdk.js';

/**
 * `sdk db rollback` as a user runs it: the built binary after a real `sdk db deploy` (real
 * pg_dump backup) on a real PostgreSQL, without a terminal (the child's stdin is not one).
 */

const ACCOUNTS: SnapshotColumn[] = [
  ['id', 'integer', true, true],
  ['email', 'text', true],
];
const CREATE_ACCOUNTS: MigrationSpec = { tag: '0000_accounts', sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY NOT NULL, "email" text NOT NULL);', tables: { accounts: ACCOUNTS } };
const CREATE_ORDERS: MigrationSpec = { tag: '0001_orders', sql: 'CREATE TABLE "orders" ("id" integer PRIMARY KEY NOT NULL);', tables: { accounts: ACCOUNTS, orders: [['id', 'integer', true, true]] } };

let endTurn: () => Promise<void>;
let work: string;
const databases: TestDatabase[] = [];
beforeAll(async () => {
  endTurn = await oneVerifyingFileAtATime();
  work = await mkdtemp(join(tmpdir(), 'sdk-cli-rollback-'));
}, TURN_TIMEOUT_MS);
afterAll(async () => {
  for (const db of databases) await db.drop().catch(() => {});
  await rm(work, { recursive: true, force: true });
  await endTurn?.();
});

async function project(name: string) {
  const db = await createTestDatabase(name);
  databases.push(db);
  const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, CREATE_ORDERS]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
  const backupDir = await mkdtemp(join(work, `${name}-backups-`));
  const env = { DATABASE_URL: db.url, SDK_BACKUP_DIR: backupDir };
  const run = (command: string, args: string[]) => sdk(['db', command, '--migrations', folder, ...args], { env });
  return { db, folder, run };
}

const exists = async (db: TestDatabase, table: string) => (await db.pool.query('SELECT to_regclass($1) IS NOT NULL AS t', [table])).rows[0].t as boolean;

describe('sdk db rollback', () => {
  it('after sdk db deploy, restores the pre-deploy backup: the table the deploy created is gone, the rows are back', async () => {
    const p = await project('cli_rollback_ok');
    await p.db.pool.query("INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'b@example.com')");
    const deployed = await p.run('deploy', ['--yes', '--json']);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    const backup = JSON.parse(deployed.stdout).backup.path as string;
    await p.db.pool.query("DELETE FROM accounts; INSERT INTO orders VALUES (1)");

    // Without a terminal and without --yes: refused before anything changes.
    const unasked = await p.run('rollback', []);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('add --yes');
    expect(await exists(p.db, 'public.orders')).toBe(true);

    const run = await p.run('rollback', ['--yes']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('The pre-deploy backup of the last deploy');
    expect(run.stdout).toContain(`Rolled back: restored ${backup}`);
    expect(await exists(p.db, 'public.orders')).toBe(false);
    expect((await p.db.pool.query('SELECT id FROM accounts ORDER BY id')).rows.map((r) => r.id)).toEqual([1, 2]);

    // --json: one object naming the deploy and the backup.
    const again = await p.run('rollback', ['--yes', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ kind: 'restore', backup, restored: true, deploy: { outcome: 'succeeded', backup, applied: ['0001_orders'] } });
  });

  it('refuses in one line, exit 1, when no deploy is recorded', async () => {
    const p = await project('cli_rollback_none');
    const run = await p.run('rollback', ['--yes']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const first = run.stderr.trim().split('\n')[0]!;
    expect(first).toContain('no deploy is recorded in this database\'s audit history');
    expect(run.stderr).toContain('--backup');
    expect(run.stderr).not.toContain('`backup`');
    // Both at once: bad usage.
    expect((await p.run('rollback', ['--yes', '--backup', 'x.dump', '--operation', 'y'])).code).toBe(2);
  });

  it('with --operation, rolls back an operation still in its expand phase', async () => {
    const p = await project('cli_rollback_operation');
    await migrate({ databaseUrl: p.db.url, migrationsFolder: p.folder });
    await p.db.pool.query("INSERT INTO accounts VALUES (1, 'a@example.com')");
    const data = await mkdtemp(join(work, 'data-migrations-'));
    const written = await p.run('new', ['add-required-column', 'public.accounts', 'status', '--type', 'text', '--backfill', "'legacy'", '--name', 'add_status', '--data-migrations', data]);
    expect(written.code, written.stderr).toBe(0);
    await migrate({ databaseUrl: p.db.url, migrationsFolder: p.folder, dataMigrationsFolder: data, phase: 'expand' });
    const column = async () => (await p.db.pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'status'")).rows[0].n;
    expect(await column()).toBe(1);

    expect((await p.run('rollback', ['--operation', 'add_status'])).code).toBe(2);
    expect(await column()).toBe(1);
    const run = await p.run('rollback', ['--operation', 'add_status', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'operation', operation: 'add_status', rolledBack: true, result: { name: 'add_status' } });
    expect(await column()).toBe(0);
  });
});
