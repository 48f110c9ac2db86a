import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename } from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { writeMigrationsFolder, type MigrationSpec } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { maintenanceStatus } from '../db/maintenance.js';
import { ACCOUNTS, CREATE_ACCOUNTS, deployDatabases } from './__fixtures__/databases.js';
import { deploy, lastDeploy } from './index.js';

/**
 * How a deploy fails, on a real PostgreSQL with real pg_dump backups (issue 14): a backup that
 * cannot be verified is never offered as the way back and nothing is changed; a webhook that never
 * answers costs a bounded wait and never fails the deploy, nor shows its secret.
 */

const ADD_NAME: MigrationSpec = { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } };

const { setup, later } = deployDatabases('sdk-deploy-failures-');

const columnsOf = async (pool: pg.Pool) =>
  (await pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'accounts' ORDER BY 1")).rows.map((r) => r.column_name);

describe('deploy: a backup that fails its verification', () => {
  it('stops before any change: the backup step fails saying why, no rollback is offered, the flag stays off, the database is as it was', async () => {
    const { db, backupDir } = await setup('deploy_unverified');
    // A deploying role that can dump its database but may not create one (NOCREATEDB): the
    // verification cannot make the scratch database it restores into.
    const role = `deploy_nocreatedb_${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB PASSWORD '${password}'`);
    later(async () => {
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
      } finally {
        await admin.end();
      }
    });
    await db.pool.query(`GRANT CONNECT, CREATE ON DATABASE "${db.name}" TO ${role}; GRANT ALL ON SCHEMA public TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const asRole = url.toString();

    // Everything (the table, the migrator's schema) is the role's own, as in a database it deploys to.
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, ADD_NAME]);
    await migrate({ databaseUrl: asRole, migrationsFolder: folder, to: '0000_accounts' });
    const roleClient = new pg.Client({ connectionString: asRole });
    await roleClient.connect();
    try {
      await roleClient.query("INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'b@example.com')");
    } finally {
      await roleClient.end();
    }

    const report = await deploy({ databaseUrl: asRole, migrationsFolder: folder, backupDir, maintenance: true });

    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['preflight:ok', 'backup:failed', 'maintenance-on:skipped', 'migrate:skipped', 'verify:skipped', 'maintenance-off:skipped']);
    const step = report.steps.find((s) => s.name === 'backup')!;
    expect(step.detail).toMatch(/^cannot create the scratch database sdk_verify_\w+ on postgres:\/\/.*: permission denied to create database$/);
    expect(report.error).toEqual({ step: 'backup', code: 'E_BACKUP_VERIFY', message: step.detail, hint: expect.stringContaining('verification needs CREATEDB') });
    for (const name of ['maintenance-on', 'migrate', 'verify', 'maintenance-off']) {
      expect(report.steps.find((s) => s.name === name)!.detail).toBe('not run: an earlier step failed');
    }
    // The archive was written, but it is not proven to restore: it is not offered as the way back.
    expect(report.backup.path?.startsWith(backupDir)).toBe(true);
    expect(report.backup.verified).toBe(false);
    expect(report.rollback).toBeNull();
    expect(report.applied).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(password);

    // Nothing changed: the pending migration is not applied, the rows are as they were, the flag is off.
    expect(await columnsOf(db.pool)).toEqual(['email', 'id']);
    expect((await db.pool.query('SELECT id, email FROM accounts ORDER BY id')).rows).toEqual([
      { id: 1, email: 'a@example.com' },
      { id: 2, email: 'b@example.com' },
    ]);
    expect((await db.pool.query<{ tag: string }>('SELECT tag FROM sdk_migrator.migrations ORDER BY idx')).rows.map((r) => r.tag)).toEqual(['0000_accounts']);
    expect((await maintenanceStatus({ databaseUrl: db.url })).enabled).toBe(false);
    // The audit record says it failed at the backup, with no backup to go back to.
    expect(await lastDeploy(db.pool)).toMatchObject({ outcome: 'failed', backup: null, applied: [], error: `backup: ${step.detail}` });
    // The unverified archive is where the report says, for whoever wants to look at it.
    expect(await readdir(backupDir)).toContain(basename(report.backup.path!));

    // What the hint says: verified on a server where it may create a database (`scratchUrl`), the deploy goes through.
    expect(report.error!.hint).toContain('`scratchUrl`');
    const again = await deploy({ databaseUrl: asRole, migrationsFolder: folder, backupDir, scratchUrl: db.url });
    expect(again.ok).toBe(true);
    expect(again.backup.verified).toBe(true);
    expect(again.applied).toEqual(['0001_name']);
  });
});

describe('deploy: a webhook that never answers', () => {
  it('gives up on each notification after its bounded tries, records why without the URL secret, and deploys', async () => {
    const { db, backupDir } = await setup('deploy_hook_timeout');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, ADD_NAME]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });

    // Accepts every request and never answers it.
    const seen: string[] = [];
    const server = createServer((req) => void seen.push(req.url ?? ''));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    later(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const secrets = ['hookUser', 'hookPa55', 'services', 'T0SECRET1', 'B0SECRET2', 'XyzTokenSecret123', 'QuerySecret456'];
    const notifyUrl = `http://hookUser:hookPa55@127.0.0.1:${port}/services/T0SECRET1/B0SECRET2/XyzTokenSecret123?token=QuerySecret456`;

    const report = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, notifyUrl, notifyOptions: { attempts: 2, timeoutMs: 1_000, backoffMs: 50 } });

    expect(report.ok).toBe(true);
    expect(report.steps.every((s) => s.status !== 'failed')).toBe(true);
    expect(report.applied).toEqual(['0001_name']);
    expect(await columnsOf(db.pool)).toEqual(['email', 'id', 'name']);
    const why = `webhook http://127.0.0.1:${port} not notified after 2 attempts: no answer within 1000 ms; no answer within 1000 ms`;
    expect(report.notifications).toEqual([
      { event: 'start', delivered: false, attempts: 2, error: why },
      { event: 'success', delivered: false, attempts: 2, error: why },
    ]);
    // The requests reached the webhook (at its real path) and were left unanswered.
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['/services/T0SECRET1/B0SECRET2/XyzTokenSecret123?token=QuerySecret456']));
    const shown = JSON.stringify(report);
    for (const secret of secrets) expect(shown).not.toContain(secret);
  });
});

describe('deploy: a lock that never frees', () => {
  it('fails the migrate step after the retries, naming who holds the lock; the report offers the verified backup; nothing was changed', async () => {
    const { db, backupDir } = await setup('deploy_lock_held');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, ADD_NAME]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    // A session that takes a lock on the table once the preflight has passed, and keeps it.
    const holder = new pg.Client({ connectionString: db.url, application_name: 'long report' });
    await holder.connect();
    later(() => holder.end());
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let locked: Promise<unknown> | undefined;

    const report = await deploy({
      databaseUrl: db.url,
      migrationsFolder: folder,
      backupDir,
      maintenance: true,
      lockTimeoutMs: 200,
      retryForMs: 2_000,
      onStep: (step) => {
        if (step.name === 'preflight') locked = holder.query('BEGIN; SELECT count(*) FROM accounts');
      },
    });
    await locked;

    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['preflight:ok', 'backup:ok', 'maintenance-on:ok', 'migrate:failed', 'verify:skipped', 'maintenance-off:ok']);
    expect(report.error).toMatchObject({ step: 'migrate', code: 'E_LOCK_TIMEOUT' });
    expect(report.error!.message).toContain(`pid ${pid}`);
    expect(report.error!.message).toContain('nothing was left locked');
    expect(report.rollback).toBe(`sdk db restore ${report.backup.path}`);
    expect(await columnsOf(db.pool)).toEqual(['email', 'id']);
    expect((await maintenanceStatus({ databaseUrl: db.url })).enabled).toBe(false);
    await holder.query('ROLLBACK');
  });
});
