import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, oneVerifyingFileAtATime, TURN_TIMEOUT_MS, writeMigrationsFolder, type MigrationSpec, type SnapshotColumn, type TestDatabase } from '@big0290/testing';
import { maintenanceStatus, migrate } from '@big0290/migrator';
import { passwordRoleUrl, sdk, type Run } from './__fixtures__/sdk.js';

/**
 * `sdk db deploy` as a user runs it: the built binary against a real PostgreSQL (a role with a
 * password that must never be printed), real pg_dump backups, a local webhook, and
 * GITHUB_STEP_SUMMARY given to the child's environment.
 */

const ROLE = 'sdk_deploy_cli';
const PASSWORD = 'd3ploy-s3cr3t-QRS';
const HOOK_TOKEN = 'T000/B000/hook-token-XYZ';

const ACCOUNTS: SnapshotColumn[] = [
  ['id', 'integer', true, true],
  ['email', 'text', true],
];
const CREATE_ACCOUNTS: MigrationSpec = { tag: '0000_accounts', sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY NOT NULL, "email" text NOT NULL);', tables: { accounts: ACCOUNTS } };
const ADD_NAME: MigrationSpec = { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } };

let endTurn: () => Promise<void>;
let admin: pg.Client;
let adminUrl: string;
let work: string;
let hook: Server;
let hookUrl: string;
const received: string[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  endTurn = await oneVerifyingFileAtATime();
  const first = await createTestDatabase('cli_deploy');
  databases.push(first);
  adminUrl = first.adminUrl;
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  work = await mkdtemp(join(tmpdir(), 'sdk-cli-deploy-'));
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const address = hook.address();
  hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/${HOOK_TOKEN}`;
}, TURN_TIMEOUT_MS);
afterAll(async () => {
  await new Promise((resolve) => hook?.close(resolve));
  await admin?.end();
  for (const db of databases) await db.drop().catch(() => {});
  await rm(work, { recursive: true, force: true });
  await endTurn?.();
});

/** A database with 0000 applied and 0001 (or `pending`) waiting, a backup folder, and the URL of the password role. */
async function project(name: string, pending: MigrationSpec = ADD_NAME) {
  const db = await createTestDatabase(name);
  databases.push(db);
  const url = await passwordRoleUrl(admin, db.url, ROLE, PASSWORD);
  const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, pending]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
  const backupDir = await mkdtemp(join(work, `${name}-backups-`));
  const summary = join(work, `${name}-summary.md`);
  const run = (args: string[]) =>
    sdk(['db', 'deploy', '--migrations', folder, ...args], { env: { DATABASE_URL: url, SDK_BACKUP_DIR: backupDir, GITHUB_STEP_SUMMARY: summary } });
  return { db, url, folder, backupDir, summary, run };
}

const noSecrets = (run: Run) => {
  expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  expect(run.stdout + run.stderr).not.toContain('hook-token');
};

describe('sdk db deploy', () => {
  it('deploys end to end with --json: one object with the steps, the verified backup and the rollback command; the summary in markdown; the webhook told', async () => {
    const p = await project('cli_deploy_ok');
    const smoke = join(p.folder, 'smoke.sql');
    await writeFile(smoke, 'SELECT name FROM accounts LIMIT 1;\n');
    const run = await p.run(['--yes', '--json', '--maintenance', '--smoke-sql', smoke, '--notify', hookUrl]);
    expect(run.code).toBe(0);
    noSecrets(run);
    const report = JSON.parse(run.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['ok', 'steps', 'backup', 'rollback']));
    expect(report.ok).toBe(true);
    expect(report.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['preflight:ok', 'backup:ok', 'maintenance-on:ok', 'migrate:ok', 'verify:ok', 'maintenance-off:ok']);
    for (const step of report.steps) expect(Object.keys(step)).toEqual(expect.arrayContaining(['name', 'status', 'durationMs', 'detail']));
    expect(report.backup).toEqual({ path: expect.stringContaining(p.backupDir), verified: true });
    expect(report.rollback).toBe(`sdk db restore ${report.backup.path}`);
    expect(report.applied).toEqual(['0001_name']);
    expect(report.notifications.map((n: { event: string; delivered: boolean }) => `${n.event}:${n.delivered}`)).toEqual(['start:true', 'success:true']);
    expect(received.some((b) => JSON.parse(b).text.startsWith('Deploy succeeded'))).toBe(true);
    // --json: nothing but the object on stdout, no checklist on stderr.
    expect(run.stderr).not.toContain('preflight');

    const summary = await readFile(p.summary, 'utf8');
    expect(summary).toContain('## sdk db deploy: done');
    expect(summary).toContain('| preflight | ✓ ok |');
    expect(summary).toContain(`sdk db restore ${report.backup.path}`);
    expect(summary).not.toContain(PASSWORD);
  });

  it('--health-url and --events: every event a JSON line, the health endpoint watched and shown as scheme and host only; refused (exit 2) when it fails; an unwritable --events is refused before anything runs', async () => {
    const status = { code: 200 };
    const health = createServer((_req, res) => {
      res.statusCode = status.code;
      res.end();
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    try {
      const port = (health.address() as { port: number }).port;
      const healthUrl = `http://127.0.0.1:${port}/healthz?token=h3alth-T0KEN`;
      const p = await project('cli_deploy_events');
      const events = join(work, 'events.jsonl');
      const run = await p.run(['--yes', '--health-url', healthUrl, '--events', events, '--max-replica-lag', '5s', '--max-pause', '1m']);
      expect(run.code).toBe(0);
      noSecrets(run);
      expect(run.stderr).toContain(`watching http://127.0.0.1:${port}:`);
      expect(run.stderr).toMatch(/✓ migrate +1 migration applied: 0001_name; watched: \d+ samples?, .*health \d+\/\d+ ok/);
      expect(run.stderr + run.stdout).not.toContain('h3alth-T0KEN');
      const text = await readFile(events, 'utf8');
      expect(text).not.toContain('h3alth-T0KEN');
      expect(text).not.toContain(PASSWORD);
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; at: string; step?: { name: string; status: string } });
      expect(lines[0]!.type).toBe('deploy-start');
      expect(lines.at(-1)!.type).toBe('deploy-end');
      expect(lines.filter((l) => l.type === 'step-end').map((l) => `${l.step!.name}:${l.step!.status}`)).toEqual(['preflight:ok', 'backup:ok', 'maintenance-on:skipped', 'migrate:ok', 'verify:ok', 'maintenance-off:skipped']);
      expect(lines.some((l) => l.type === 'migration')).toBe(true);
      expect(lines.every((l) => !Number.isNaN(Date.parse(l.at)))).toBe(true);

      status.code = 503;
      const down = await project('cli_deploy_health_down');
      const refused = await down.run(['--yes', '--health-url', healthUrl]);
      expect(refused.code).toBe(2);
      expect(refused.stderr + refused.stdout).toMatch(new RegExp(`the application's health check fails before the deploy \\(http://127\\.0\\.0\\.1:${port} answered HTTP 503\\)`));
      expect(refused.stderr + refused.stdout).not.toContain('h3alth-T0KEN');
      expect(await readdir(down.backupDir)).toEqual([]);

      const badEvents = await down.run(['--yes', '--events', join(work, 'no-such-folder', 'events.jsonl')]);
      expect(badEvents.code).toBe(2);
      expect(badEvents.stderr).toMatch(/cannot write the events file .*no-such-folder.*: ENOENT; give --events a path in a folder that exists and is writable/);
      expect(await readdir(down.backupDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => health.close(resolve));
    }
  });

  it("sends its spans to the user's OpenTelemetry SDK (preloaded with NODE_OPTIONS), flushed before the process ends", async () => {
    const p = await project('cli_deploy_otel');
    const spans = join(work, 'spans.jsonl');
    const preload = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'otel-preload.mjs')).href;
    const run = await sdk(['db', 'deploy', '--migrations', p.folder, '--yes'], {
      env: { DATABASE_URL: p.url, SDK_BACKUP_DIR: p.backupDir, NODE_OPTIONS: `--import ${preload}`, SDK_TEST_SPANS_FILE: spans },
    });
    expect(run.code).toBe(0);
    const found = (await readFile(spans, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { name: string; id: string; parent: string | null; status: number; attributes: Record<string, unknown> });
    const root = found.find((s) => s.name === 'sdk.deploy')!;
    expect(root.attributes).toMatchObject({ 'db.system': 'postgresql', 'sdk.deploy.ok': true, 'sdk.deploy.applied': 1 });
    expect(found.filter((s) => s.parent === root.id).map((s) => s.name)).toEqual(['sdk.deploy.preflight', 'sdk.deploy.backup', 'sdk.deploy.migrate', 'sdk.deploy.verify']);
    expect(JSON.stringify(found)).not.toContain(PASSWORD);
  });

  it('a backup it cannot verify (the role may not create databases): exit 1, the unverified backup named and not offered; --scratch-url verifies it elsewhere', async () => {
    const db = await createTestDatabase('cli_deploy_nocreatedb');
    databases.push(db);
    const role = 'sdk_deploy_nocreatedb';
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB PASSWORD '${PASSWORD}'`).catch(() => admin.query(`ALTER ROLE ${role} PASSWORD '${PASSWORD}'`));
    await db.pool.query(`GRANT CONNECT, CREATE ON DATABASE "${db.name}" TO ${role}; GRANT ALL ON SCHEMA public TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = PASSWORD;
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, ADD_NAME]);
    await migrate({ databaseUrl: url.toString(), migrationsFolder: folder, to: '0000_accounts' });
    const backupDir = await mkdtemp(join(work, 'nocreatedb-backups-'));
    const run = (args: string[]) => sdk(['db', 'deploy', '--migrations', folder, '--yes', ...args], { env: { DATABASE_URL: url.toString(), SDK_BACKUP_DIR: backupDir } });

    const failed = await run([]);
    expect(failed.code).toBe(1);
    noSecrets(failed);
    expect(failed.stdout).toMatch(/^A backup was made but could not be verified \(.*pre-migration-.*\.dump\): it is not offered as the way back\. The database was not changed by this deploy\.$/m);
    expect(failed.stdout).toContain('--scratch-url');

    const verifiedElsewhere = await run(['--scratch-url', db.url]);
    expect(verifiedElsewhere.code).toBe(0);
    // The scratch server's password (when the test server has one worth hiding) is never shown.
    const scratchPassword = decodeURIComponent(new URL(db.url).password);
    if (scratchPassword.length >= 4 && scratchPassword !== new URL(db.url).username) expect(verifiedElsewhere.stdout + verifiedElsewhere.stderr).not.toContain(scratchPassword);
    expect(verifiedElsewhere.stdout).toContain('Deploy done');
  });

  it('refuses with exit 2 while a session holds a lock on a table the migration touches, naming it; nothing changes', async () => {
    const p = await project('cli_deploy_locked');
    const holder = new pg.Client({ connectionString: p.db.url });
    await holder.connect();
    let run: Run;
    let pid: number;
    try {
      await holder.query("BEGIN; INSERT INTO accounts VALUES (1, 'a@example.com')");
      pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      run = await p.run(['--yes', '--maintenance']);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
    expect(run.code).toBe(2);
    noSecrets(run);
    expect(run.stderr).toContain('✗ preflight');
    expect(run.stderr).toContain(`session pid ${pid}`);
    expect(run.stderr).toContain(`\`sdk db locks --terminate ${pid}\``);
    expect(run.stderr).toContain('- backup          not run: refused at preflight');
    expect(run.stdout).toContain('Deploy refused at preflight: nothing was changed.');
    expect(run.stdout).toContain('--force');
    const columns = await p.db.pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY 1");
    expect(columns.rows.map((r) => r.column_name)).toEqual(['email', 'id']);
    expect(await readdir(p.backupDir)).toEqual([]);
    expect((await maintenanceStatus({ databaseUrl: p.db.url })).enabled).toBe(false);
    expect(await readFile(p.summary, 'utf8')).toContain('## sdk db deploy: refused at preflight (nothing was changed)');
  });

  it('refuses a lint error with exit 2 and --json, naming the flag that overrides it', async () => {
    const p = await project('cli_deploy_lint', { tag: '0001_age', sql: 'ALTER TABLE "accounts" ADD COLUMN "age" integer NOT NULL;', tables: { accounts: [...ACCOUNTS, ['age', 'integer', true]] } });
    const run = await p.run(['--yes', '--json']);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.steps[0]).toMatchObject({ name: 'preflight', status: 'failed' });
    expect(report.steps[0].problems[0]).toMatch(/^lint error in 0001_age line 1 \(adding-required-column\)/);
    expect(report.error).toMatchObject({ step: 'preflight', code: 'E_DEPLOY_PREFLIGHT' });
    expect(report.backup).toEqual({ path: null, verified: false });
    expect(report.rollback).toBeNull();
    expect(await readdir(p.backupDir)).toEqual([]);
  });

  it('fails with exit 1 on a failing migration: the report names the backup and the command that restores it, and the flag is off again', async () => {
    const p = await project('cli_deploy_fail', {
      tag: '0001_broken',
      sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;\n--> statement-breakpoint\nINSERT INTO "no_such_table" VALUES (1);',
      tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] },
    });
    const run = await p.run(['--yes', '--maintenance']);
    expect(run.code).toBe(1);
    noSecrets(run);
    expect(run.stderr).toContain('✗ migrate');
    expect(run.stderr).toContain('✓ maintenance-off');
    const path = /^Pre-deploy backup \(verified\): (.+)$/m.exec(run.stdout)?.[1];
    expect(path?.startsWith(p.backupDir)).toBe(true);
    expect(run.stdout).toContain('Deploy FAILED at migrate');
    expect(run.stdout).toContain(`To go back to before the deploy: sdk db restore ${path}`);
    expect((await maintenanceStatus({ databaseUrl: p.db.url })).enabled).toBe(false);
    const summary = await readFile(p.summary, 'utf8');
    expect(summary).toContain('## sdk db deploy: FAILED at migrate');
    expect(summary).toContain(`sdk db restore ${path}`);
  });

  it('asks before deploying, so without a terminal it needs --yes (exit 2, nothing done)', async () => {
    const p = await project('cli_deploy_yes');
    const run = await p.run([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('add --yes to deploy without asking');
    expect(await readdir(p.backupDir)).toEqual([]);
  });
});
