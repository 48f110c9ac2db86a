import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMigrationsFolder, type MigrationSpec } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { ACCOUNTS, CREATE_ACCOUNTS, deployDatabases } from './__fixtures__/databases.js';
import { deploy, DeployRefusedError, type DeployEvent } from './index.js';

/**
 * What `deploy` does during the migration, on a real PostgreSQL with real backups: the watcher
 * pausing between migrations and backfill batches while the application's health endpoint (a
 * real HTTP server) fails, failing between steps when it never recovers; the health URL checked
 * at preflight and verification; the structured events; the OpenTelemetry spans a user's SDK gets.
 */

const { setup, later } = deployDatabases('sdk-deploy-watch-');
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});

/** A health endpoint whose status the test sets; its query carries a token never to be shown. */
async function healthServer(): Promise<{ url: string; status: { code: number } }> {
  const status = { code: 200 };
  const server = createServer((_req, res) => {
    res.statusCode = status.code;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  later(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz?token=SeCrEt-token`, status };
}

/** 0001 takes 0.4 s, so the watcher checks the health endpoint while it runs. */
const SLOW_FIRST: MigrationSpec[] = [
  CREATE_ACCOUNTS,
  { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;\n--> statement-breakpoint\nSELECT pg_sleep(0.4);', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } },
  { tag: '0002_nick', sql: 'ALTER TABLE "accounts" ADD COLUMN "nick" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false], ['nick', 'text', false]] } },
];

/** A database with 0000 applied and SLOW_FIRST's 0001 and 0002 pending, and a health endpoint. */
async function slowFirst(prefix: string) {
  const { db, backupDir } = await setup(prefix);
  const folder = await writeMigrationsFolder(SLOW_FIRST);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
  return { db, backupDir, folder, health: await healthServer() };
}

const columns = async (db: { pool: { query: (sql: string) => Promise<{ rows: Array<{ column_name: string }> }> } }) =>
  (await db.pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY 1")).rows.map((r) => r.column_name);

describe('deploy: the watcher, the health URL, events and spans', () => {
  it('pauses between migrations while the health endpoint fails, then finishes; every step is an event and a span', async () => {
    const { db, backupDir, folder, health } = await slowFirst('dw_pause');
    const events: DeployEvent[] = [];
    exporter.reset();
    const report = await deploy({
      databaseUrl: db.url,
      migrationsFolder: folder,
      backupDir,
      healthUrl: health.url,
      watch: { intervalMs: 100 },
      onDeployEvent: (event) => {
        events.push(event);
        // The application goes down while 0001 runs and comes back 1 s later.
        if (event.type === 'migration' && event.event.type === 'migration-start' && event.event.tag === '0001_name') {
          health.status.code = 503;
          setTimeout(() => (health.status.code = 200), 1_000);
        }
      },
    });
    expect(report.ok).toBe(true);
    expect(report.applied).toEqual(['0001_name', '0002_nick']);
    expect(report.watch!.pauses).toEqual([{ before: 'what follows 0001_name', reasons: [expect.stringMatching(/^the application's health check fails: http:\/\/127\.0\.0\.1:\d+ answered HTTP 503$/)], durationMs: expect.any(Number) }]);
    const migrateStep = report.steps.find((s) => s.name === 'migrate')!;
    expect(migrateStep.detail).toMatch(/; watched: \d+ samples, lock waits on the touched tables: none, longest query \d+ ms, replica lag n\/a \(no streaming replica\), health \d+\/\d+ ok, p50 \d+ ms, max \d+ ms, paused 1 time, \d+\.\d s in all$/);
    expect(report.steps[0]!.detail).toMatch(/; health: HTTP 200 in \d+ ms/);
    expect(report.steps.find((s) => s.name === 'verify')!.detail).toMatch(/health HTTP 200 in \d+ ms$/);
    expect(JSON.stringify(report)).not.toContain('SeCrEt');

    // The events: the deploy's start and end around each step's start and end, the runner's events, the pause.
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('deploy-start');
    expect(types.at(-1)).toBe('deploy-end');
    expect(events.filter((e) => e.type === 'step-start').map((e) => (e as { step: string }).step)).toEqual(['preflight', 'backup', 'migrate', 'verify']);
    expect(events.filter((e) => e.type === 'step-end')).toHaveLength(6);
    expect(types.indexOf('watch-pause')).toBeLessThan(types.indexOf('watch-resume'));
    expect(types).toContain('watch-sample');
    expect(events.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
    expect(JSON.stringify(events)).not.toContain('SeCrEt');

    // The spans: one for the deploy, one per step run under it; the pause is an event of migrate's.
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'sdk.deploy')!;
    expect(root.attributes).toMatchObject({ 'db.system': 'postgresql', 'sdk.deploy.phase': 'all', 'sdk.deploy.ok': true, 'sdk.deploy.applied': 2 });
    const steps = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
    expect(steps.map((s) => s.name)).toEqual(['sdk.deploy.preflight', 'sdk.deploy.backup', 'sdk.deploy.migrate', 'sdk.deploy.verify']);
    expect(steps.every((s) => s.spanContext().traceId === root.spanContext().traceId)).toBe(true);
    expect(steps[2]!.events.map((e) => e.name)).toEqual(expect.arrayContaining(['migration-start', 'paused', 'resumed']));
  });

  it('fails between migrations when a pause outlasts maxPauseMs: the first applied, the next not, the report names the backup', async () => {
    const { db, backupDir, folder, health } = await slowFirst('dw_timeout');
    exporter.reset();
    const report = await deploy({
      databaseUrl: db.url,
      migrationsFolder: folder,
      backupDir,
      healthUrl: health.url,
      watch: { intervalMs: 100, maxPauseMs: 800 },
      onDeployEvent: (event) => {
        if (event.type === 'migration' && event.event.type === 'migration-start' && event.event.tag === '0001_name') health.status.code = 503;
      },
    });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ step: 'migrate', code: 'E_DEPLOY_WATCH' });
    expect(report.error!.message).toMatch(/^the deploy waited \d+ s before what follows 0001_name and it did not clear: the application's health check fails: http:\/\/127\.0\.0\.1:\d+ answered HTTP 503; stopped between steps, nothing is half-done$/);
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['preflight:ok', 'backup:ok', 'maintenance-on:skipped', 'migrate:failed', 'verify:skipped', 'maintenance-off:skipped']);
    expect(report.rollback).toBe(`sdk db restore ${report.backup.path}`);
    expect(report.watch!.pauses).toHaveLength(1);
    expect(await columns(db)).toEqual(['email', 'id', 'name']);
    const failed = exporter.getFinishedSpans().find((s) => s.name === 'sdk.deploy.migrate')!;
    expect(failed.status).toMatchObject({ code: 2 }); // SpanStatusCode.ERROR
    expect(exporter.getFinishedSpans().find((s) => s.name === 'sdk.deploy')!.status.code).toBe(2);
  });

  it("holds a data migration's backfill between batches while the health endpoint fails", async () => {
    const { db, backupDir } = await setup('dw_backfill');
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } }]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
    await db.pool.query("INSERT INTO accounts SELECT i, 'u' || i || '@example.com' FROM generate_series(1, 20000) i");
    const data = join(folder, 'data');
    await mkdir(data);
    await writeFile(
      join(data, '0001_fill_name.mjs'),
      "export default { after: '0001_name', run: async ({ backfill }) => { await backfill({ table: 'accounts', set: \"name = split_part(email, '@', 1)\", where: 'name IS NULL', maxRowsPerBatch: 200, firstBatchRows: 200 }); } };\n",
    );
    const health = await healthServer();
    let batches = 0;
    const report = await deploy({
      databaseUrl: db.url,
      migrationsFolder: folder,
      dataMigrationsFolder: data,
      backupDir,
      healthUrl: health.url,
      watch: { intervalMs: 100 },
      onDeployEvent: (event) => {
        if (event.type !== 'backfill' || event.event.type !== 'batch') return;
        if (++batches === 3) {
          health.status.code = 503;
          setTimeout(() => (health.status.code = 200), 1_000);
        }
      },
    });
    expect(report.ok).toBe(true);
    expect(report.watch!.pauses.length).toBeGreaterThanOrEqual(1);
    expect(report.watch!.pauses.every((p) => p.before === 'a backfill batch')).toBe(true);
    expect(batches).toBeGreaterThanOrEqual(100);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM accounts WHERE name IS NULL')).rows[0].n).toBe(0);
  });

  it('refuses at preflight, changing nothing, when the health endpoint does not answer', async () => {
    const { db, backupDir, folder, health } = await slowFirst('dw_refused');
    health.status.code = 500;
    const error = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir, healthUrl: health.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployRefusedError);
    expect((error as DeployRefusedError).problems).toEqual([
      expect.stringMatching(/^the application's health check fails before the deploy \(http:\/\/127\.0\.0\.1:\d+ answered HTTP 500\): the watcher would hold the migration from its start; fix the application or the health URL first$/),
    ]);
    expect(await columns(db)).toEqual(['email', 'id']);
    expect(await readdir(backupDir)).toEqual([]);
  });
});
