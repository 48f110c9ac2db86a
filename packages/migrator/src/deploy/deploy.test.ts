import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { writeMigrationsFolder } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { maintenanceStatus } from '../db/maintenance.js';
import { ACCOUNTS, CREATE_ACCOUNTS, deployDatabases } from './__fixtures__/databases.js';
import { deploy, DeployRefusedError } from './index.js';

/**
 * `deploy` against a real PostgreSQL, with real pg_dump backups: each test has its own database,
 * migrations folder (with drizzle-kit snapshots, which the verification compares with) and
 * backup folder.
 */


const { setup } = deployDatabases('sdk-deploy-');

describe('deploy', () => {
  it('runs the checklist end to end: preflight, a verified backup, the flag on, migrate, verify, the flag off', async () => {
    const { db, backupDir } = await setup('deploy_ok');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } }]);
    const smokeSql = join(folder, 'smoke.sql');
    await writeFile(smokeSql, 'SELECT count(*) FROM accounts;\nSELECT name FROM accounts LIMIT 1;\n');
    const seen: string[] = [];
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, smokeSql, maintenance: true, onStep: (s) => seen.push(`${s.name}:${s.status}`) });

    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['preflight:ok', 'backup:ok', 'maintenance-on:ok', 'migrate:ok', 'verify:ok', 'maintenance-off:ok']);
    expect(seen).toEqual(report.steps.map((s) => `${s.name}:${s.status}`));
    expect(report.steps[0]!.detail).toMatch(/^PostgreSQL \d+.*, 2 migrations to apply; replica lag: no streaming replica; disk: /);
    expect(report.steps.find((s) => s.name === 'verify')!.detail).toContain('2 smoke statements');
    expect(report.applied).toEqual(['0000_accounts', '0001_name']);
    expect(report.backup.verified).toBe(true);
    expect(report.backup.path!.startsWith(backupDir)).toBe(true);
    expect(report.rollback).toBe(`sdk db restore ${report.backup.path}`);
    expect((await maintenanceStatus({ databaseUrl: db.url })).enabled).toBe(false);
  });

  it('with phase expand, stops before a contract migration and verifies what it applied', async () => {
    const { db, backupDir } = await setup('deploy_expand');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, { tag: '0001_drop_email', sql: 'ALTER TABLE "accounts" DROP COLUMN "email";', tables: { accounts: [ACCOUNTS[0]!] } }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, phase: 'expand' });
    expect(report.ok).toBe(true);
    expect(report.applied).toEqual([]);
    expect(report.remaining).toEqual(['0001_drop_email']);
    expect(report.steps[0]!.detail).toContain('0 migrations to apply (1 held back by phase expand)');
  });

  it('refuses, changing nothing, while a session holds a lock on a table the migrations touch', async () => {
    const { db, backupDir } = await setup('deploy_locked');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("BEGIN; INSERT INTO accounts VALUES (1, 'a@example.com')");
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const error = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, maintenance: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployRefusedError);
      const refused = error as DeployRefusedError;
      expect(refused.code).toBe('E_DEPLOY_PREFLIGHT');
      expect(refused.problems).toHaveLength(1);
      expect(refused.problems[0]).toContain(`session pid ${pid}`);
      expect(refused.problems[0]).toContain('holds ROW EXCLUSIVE on public.accounts');
      expect(refused.problems[0]).toContain(`\`terminate\` ${pid}`);
      expect(refused.hint).toContain('`force`');
      expect(refused.report.error).toEqual({ step: 'preflight', code: 'E_DEPLOY_PREFLIGHT', message: refused.problems[0], hint: refused.hint });
      expect(refused.report.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
        'preflight:failed',
        'backup:skipped',
        'maintenance-on:skipped',
        'migrate:skipped',
        'verify:skipped',
        'maintenance-off:skipped',
      ]);
      expect(refused.report.rollback).toBeNull();
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
    const columns = await db.pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY 1");
    expect(columns.rows.map((r) => r.column_name)).toEqual(['email', 'id']);
    expect(await readdir(backupDir)).toEqual([]);
    expect((await maintenanceStatus({ databaseUrl: db.url })).enabled).toBe(false);
  });

  it('refuses a migration with a lint error unless allowLintErrors', async () => {
    const { db, backupDir } = await setup('deploy_lint');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, { tag: '0001_age', sql: 'ALTER TABLE "accounts" ADD COLUMN "age" integer NOT NULL;', tables: { accounts: [...ACCOUNTS, ['age', 'integer', true]] } }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    const error = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployRefusedError);
    expect((error as DeployRefusedError).problems[0]).toMatch(/^lint error in 0001_age line 1 \(adding-required-column\): .*; `sdk db lint` shows the safe way to do it \(or deploy anyway with `allowLintErrors`\)$/);
    expect(await readdir(backupDir)).toEqual([]);

    // The table is empty, so the required column is added at once: the user may say so.
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, allowLintErrors: true });
    expect(report.ok).toBe(true);
    expect(report.applied).toEqual(['0001_age']);
  });

  it('reports a failing migration with the backup and the command that restores it, and turns the flag off again', async () => {
    const { db, backupDir } = await setup('deploy_fail');
    const folder = await writeMigrationsFolder([
      CREATE_ACCOUNTS,
      { tag: '0001_broken', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;\n--> statement-breakpoint\nINSERT INTO "no_such_table" VALUES (1);', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } },
    ]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, maintenance: true });
    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['preflight:ok', 'backup:ok', 'maintenance-on:ok', 'migrate:failed', 'verify:skipped', 'maintenance-off:ok']);
    expect(report.error).toMatchObject({ step: 'migrate', code: 'E_MIGRATION_FAILED' });
    expect(report.error!.message).toContain('no_such_table');
    expect(report.backup).toEqual({ path: expect.stringContaining(backupDir), verified: true });
    expect(report.rollback).toBe(`sdk db restore ${report.backup.path}`);
    expect((await maintenanceStatus({ databaseUrl: db.url })).enabled).toBe(false);
    // The failing transaction was rolled back: the column is not there.
    const columns = await db.pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY 1");
    expect(columns.rows.map((r) => r.column_name)).toEqual(['email', 'id']);
  });

  it('fails the verification on drift and on a smoke statement that fails, listing each', async () => {
    const { db, backupDir } = await setup('deploy_drift');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS]);
    await db.pool.query('CREATE TABLE stray (id int)');
    const smokeSql = join(folder, 'smoke.sql');
    await writeFile(smokeSql, 'SELECT 1;\nSELECT nope FROM accounts;\n');
    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, smokeSql });
    expect(report.ok).toBe(false);
    const verify = report.steps.find((s) => s.name === 'verify')!;
    expect(verify.status).toBe('failed');
    expect(verify.problems).toEqual([expect.stringMatching(/^drift: .*stray/), expect.stringMatching(/^smoke statement at .*smoke\.sql:2 failed: column "nope" does not exist$/)]);
    expect(report.rollback).toBe(`sdk db restore ${report.backup.path}`);
  });
});
