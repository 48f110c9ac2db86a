import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { writeMigrationsFolder, type MigrationSpec } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { addRequiredColumn } from '../operations/index.js';
import { writeOperation } from '../phased/index.js';
import { ACCOUNTS, CREATE_ACCOUNTS, deployDatabases } from './__fixtures__/databases.js';
import { deploy, lastDeploy, rollbackDeploy, type RollbackPlan } from './index.js';

/**
 * The deploy's audit record and `rollbackDeploy` against a real PostgreSQL, with real pg_dump
 * backups: a deploy then its rollback puts the database back as it was before the deploy.
 */

const CREATE_ORDERS: MigrationSpec = {
  tag: '0001_orders',
  sql: 'CREATE TABLE "orders" ("id" integer PRIMARY KEY NOT NULL);',
  tables: { accounts: ACCOUNTS, orders: [['id', 'integer', true, true]] },
};

const { setup, later } = deployDatabases('sdk-rollback-');

const yes = async () => true;

describe('the audit record of a deploy, and rollbackDeploy', () => {
  it('records the deploy (outcome, verified backup, migrations applied); the rollback restores its backup', async () => {
    const { db, backupDir } = await setup('rollback_deploy');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, CREATE_ORDERS]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    await db.pool.query("INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'b@example.com')");
    expect(await lastDeploy(db.pool)).toBeNull();

    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir });
    expect(report.ok).toBe(true);
    const record = await lastDeploy(db.pool);
    expect(record).toMatchObject({ outcome: 'succeeded', backup: report.backup.path, applied: ['0001_orders'], error: null, finishedAt: expect.any(String) });

    // After the deploy the application changes rows; the rollback puts back the pre-deploy state.
    await db.pool.query("DELETE FROM accounts WHERE id = 1; INSERT INTO accounts VALUES (3, 'c@example.com'); INSERT INTO orders VALUES (1)");
    const plans: RollbackPlan[] = [];
    const result = await rollbackDeploy({ databaseUrl: db.url, confirm: async (plan) => (plans.push(plan), true) });
    expect(result).toMatchObject({ kind: 'restore', backup: report.backup.path, restored: true });
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ kind: 'restore', backup: report.backup.path, deploy: { id: record!.id } });
    expect((await db.pool.query("SELECT to_regclass('public.orders') AS t")).rows[0].t).toBeNull();
    expect((await db.pool.query('SELECT id FROM accounts ORDER BY id')).rows.map((r) => r.id)).toEqual([1, 2]);
    // The audit history is kept: the deploy's record (finished) and the restore's.
    expect(await lastDeploy(db.pool)).toMatchObject({ id: record!.id, outcome: 'succeeded', backup: report.backup.path });
    const { rows } = await db.pool.query("SELECT phase, outcome, archive FROM sdk_migrator.history WHERE phase IN ('deploy', 'restore') ORDER BY id");
    expect(rows).toEqual([
      { phase: 'deploy', outcome: 'succeeded', archive: report.backup.path },
      { phase: 'restore', outcome: 'restored', archive: report.backup.path },
    ]);
  });

  it('a failed deploy is recorded failed, with its step and verified backup', async () => {
    const { db, backupDir } = await setup('rollback_failed');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, { tag: '0001_bad', sql: 'ALTER TABLE "nope" ADD COLUMN "x" text;', tables: { accounts: ACCOUNTS } }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, allowLintErrors: true, force: true });
    expect(report.ok).toBe(false);
    expect(await lastDeploy(db.pool)).toMatchObject({ outcome: 'failed', backup: report.backup.path, applied: [], error: expect.stringMatching(/^migrate: /) });
  });

  it('refuses, changing nothing, when no deploy is recorded, or its backup is gone', async () => {
    const { db, backupDir } = await setup('rollback_none');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    let asked = false;
    const confirm = async () => ((asked = true), true);
    await expect(rollbackDeploy({ databaseUrl: db.url, confirm })).rejects.toMatchObject({ code: 'E_ROLLBACK', message: expect.stringContaining('no deploy is recorded') });

    const again = await writeMigrationsFolder([CREATE_ACCOUNTS, CREATE_ORDERS]);
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: again, backupDir });
    await rm(report.backup.path!, { recursive: true, force: true });
    await expect(rollbackDeploy({ databaseUrl: db.url, confirm })).rejects.toMatchObject({ code: 'E_ROLLBACK', message: expect.stringContaining('is gone') });
    // A deploy whose backup was not verified recorded none.
    await db.pool.query("UPDATE sdk_migrator.history SET archive = NULL WHERE phase = 'deploy'");
    await expect(rollbackDeploy({ databaseUrl: db.url, confirm })).rejects.toMatchObject({ code: 'E_ROLLBACK', message: expect.stringContaining('has no verified pre-deploy backup') });
    expect(asked).toBe(false);
    expect((await db.pool.query("SELECT to_regclass('public.orders') IS NOT NULL AS t")).rows[0].t).toBe(true);
    // Both a backup and an operation: refused.
    await expect(rollbackDeploy({ databaseUrl: db.url, backup: 'x', operation: 'y', confirm })).rejects.toMatchObject({ code: 'E_ROLLBACK' });
  });

  it('with operation, rolls back an operation still in its expand phase (after asking)', async () => {
    const { db } = await setup('rollback_operation');
    const data = await mkdtemp(join(tmpdir(), 'sdk-rollback-data-'));
    later(() => rm(data, { recursive: true, force: true }));
    const folder = await writeMigrationsFolder([{ tag: '0000_init', sql: "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);\n--> statement-breakpoint\nINSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 50) g;" }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const plan = addRequiredColumn.plan(await addRequiredColumn.resolve(client, { table: 'items', column: 'status', type: 'text', backfill: "'legacy'" }));
      await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'add_status', command: 'test' });
    } finally {
      await client.end();
    }
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
    const column = async () => (await db.pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'status'")).rows[0].n;
    expect(await column()).toBe(1);

    const declined = await rollbackDeploy({ databaseUrl: db.url, operation: 'add_status', migrationsFolder: folder, confirm: async () => false });
    expect(declined).toMatchObject({ kind: 'operation', rolledBack: false, result: null });
    expect(await column()).toBe(1);

    const result = await rollbackDeploy({ databaseUrl: db.url, operation: 'add_status', migrationsFolder: folder, confirm: yes });
    expect(result).toMatchObject({ kind: 'operation', operation: 'add_status', rolledBack: true, result: { name: 'add_status' } });
    expect(await column()).toBe(0);
  });
});
