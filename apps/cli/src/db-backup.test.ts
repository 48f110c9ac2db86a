import { spawn } from 'node:child_process';
import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { migrate } from '@big0290/migrator';
import { BIN, passwordRoleUrl, sdk as runSdk, type Run } from './__fixtures__/sdk.js';
import { oneVerifyingFileAtATime, TURN_TIMEOUT_MS } from './__fixtures__/killed.js';

/** Every run targets the test database and a temporary backup folder. */
const sdk = (args: string[]) => runSdk(args, { env: { DATABASE_URL: url, SDK_BACKUP_DIR: dir } });

const ROLE = 'sdk_backup_cli';
const PASSWORD = 'b4ckup-s3cr3t-XYZ';


let db: TestDatabase;
let url: string;
let dir: string;
let folder: string;
let admin: pg.Client;
let endTurn: () => Promise<void>;

beforeAll(async () => {
  endTurn = await oneVerifyingFileAtATime();
  db = await createTestDatabase('cli_backup');
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  url = await passwordRoleUrl(admin, db.url, ROLE, PASSWORD);
  dir = await mkdtemp(join(tmpdir(), 'sdk-cli-backups-'));
  folder = await writeMigrationsFolder([{ tag: '0000_init', sql: 'CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" text NOT NULL)' }]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder });
  await db.pool.query("INSERT INTO accounts (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 3000) g");
}, TURN_TIMEOUT_MS);
afterAll(async () => {
  await admin.end();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
  await endTurn?.();
});

const noPassword = (run: Run) => expect(run.stdout + run.stderr).not.toContain(PASSWORD);

describe('sdk db backup / verify-backup / restore / backups', () => {
  let path: string;

  it('status says there is no verified backup yet', async () => {
    const run = await sdk(['db', 'status', '--migrations', folder]);
    expect(run.stdout).toContain(`Newest verified backup: none in ${dir}`);
    noPassword(run);
  });

  it('backup --verify --json writes, verifies and describes the backup; progress goes to stderr only', async () => {
    const run = await sdk(['db', 'backup', '--verify', '--smoke', 'SELECT * FROM accounts LIMIT 1', '--json', '--verbose']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    path = result.path;
    expect(path.startsWith(dir)).toBe(true);
    expect(result.verified).toBe(true);
    expect(result.manifest).toMatchObject({ database: { name: db.name }, migrations: [{ tag: '0000_init' }], tables: expect.arrayContaining([{ schema: 'public', name: 'accounts', rows: 3000 }]) });
    expect(result.manifest.verification).toMatchObject({ ok: true, smoke: [{ rows: 1 }] });
    expect(run.stderr).toMatch(/dumping: \d+%, tables \d+\/\d+, rows/);
    noPassword(run);
  });

  it('the pretty output names the file, its checksum and how it was verified', async () => {
    const run = await sdk(['db', 'verify-backup', path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Verified:  ${path}`);
    expect(run.stdout).toMatch(/tables and 3,\d{3} rows match the manifest/);
    noPassword(run);
  });

  it('--json stays valid JSON when a string holds password=… (each string is scrubbed, not the encoded text)', async () => {
    const run = await sdk(['db', 'verify-backup', `${path}.manifest.json`, '--smoke', "SELECT 'password=kept quiet' AS note", '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.verification.smoke).toEqual([{ sql: "SELECT 'password=**** quiet' AS note", rows: 1 }]);
  });

  it('status shows the age of the newest verified backup, in text and JSON', async () => {
    const text = await sdk(['db', 'status', '--migrations', folder]);
    expect(text.stdout).toMatch(new RegExp(`Newest verified backup: \\d+ s old, ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const json = JSON.parse((await sdk(['db', 'status', '--migrations', folder, '--json'])).stdout);
    expect(json.backups.newestVerified).toMatchObject({ path });
    expect(json.backups.newestVerified.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('backups list shows it verified', async () => {
    const run = await sdk(['db', 'backups', 'list']);
    expect(run.stdout).toMatch(/yes, \d+ s ago\s+ok\s+/);
    const json = JSON.parse((await sdk(['db', 'backups', 'list', '--json'])).stdout);
    expect(json.backups).toEqual([expect.objectContaining({ path, state: 'ok', verified: true, database: db.name })]);
  });

  it('restore without --yes and without a terminal refuses (exit 2) and changes nothing', async () => {
    await db.pool.query("DELETE FROM accounts WHERE id > 10");
    const run = await sdk(['db', 'restore', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Restore ');
    expect(run.stderr).toContain('replaced   ');
    expect(run.stderr).toContain('error: restoring replaces database');
    expect(run.stderr).toContain('add --yes');
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
    expect(rows[0]!.n).toBe('10');
    noPassword(run);
  });

  it('restore --yes puts the rows back and says the counts match', async () => {
    const run = await sdk(['db', 'restore', path, '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Every table's row count matches the backup");
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
    expect(rows[0]!.n).toBe('3000');
    noPassword(run);
  });

  it('restore --yes prints each table whose row count it changes, before and after, and records itself in the kept audit history', async () => {
    await db.pool.query('DELETE FROM accounts WHERE id > 10');
    const { rows: history } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM sdk_migrator.history');
    const run = await sdk(['db', 'restore', path, '--yes']);
    expect(run.code).toBe(0);
    // The preview, as the prompt shows it, and the result after the restore.
    expect(run.stderr).toMatch(/row counts now -> in the backup:\n\s+public\.accounts\s+10 -> 3,000 \(\+2,990\)\n/);
    expect(run.stderr).toContain(`history    sdk_migrator.history is kept as it is (${history[0]!.n} row`);
    expect(run.stdout).toMatch(/Row counts the restore changed \(before -> after\):\n\s+public\.accounts\s+10 -> 3,000 \(\+2,990\)\n/);
    // Written after the backup: the row of the restore before this one.
    expect(run.stdout).toMatch(/Audit history kept: 1 row written after the backup stays in sdk_migrator\.history, and this restore is recorded there \(id \d+\)\./);
    const { rows: after } = await db.pool.query<{ n: string; outcome: string; archive: string }>(
      'SELECT (SELECT count(*) FROM sdk_migrator.history) AS n, outcome, archive FROM sdk_migrator.history ORDER BY id DESC LIMIT 1',
    );
    expect(after[0]).toEqual({ n: String(Number(history[0]!.n) + 1), outcome: 'restored', archive: path });
    expect((await sdk(['db', 'status', '--migrations', folder])).stdout).toContain('Last run: restored, started ');
    noPassword(run);
  });

  it('a corrupted backup: verify-backup and restore fail with one line and a hint, exit 1', async () => {
    const copy = join(dir, 'copy.dump');
    const bytes = await readFile(path);
    bytes[100] = bytes[100]! ^ 0x01;
    await writeFile(copy, bytes);
    await writeFile(`${copy}.manifest.json`, await readFile(`${path}.manifest.json`));
    for (const args of [['db', 'verify-backup', copy], ['db', 'restore', copy, '--yes']]) {
      const run = await sdk(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: .*copy\.dump does not match its manifest: sha256 .*\nhint: do not restore it/m);
    }
    await rm(copy);
    await rm(`${copy}.manifest.json`);
  });

  it('a missing pg_dump is one clear error', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-bin-'));
    const run = await sdk(['db', 'backup', '--pg-bin-dir', empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: pg_dump not found in ${empty}`);
    expect(run.stderr).toMatch(/hint: install the PostgreSQL \d+ client tools/);
    await rm(empty, { recursive: true });
  });

  it('backups prune keeps the newest verified backup, and --dry-run deletes nothing', async () => {
    const second = JSON.parse((await sdk(['db', 'backup', '--json'])).stdout).path;
    const dry = JSON.parse((await sdk(['db', 'backups', 'prune', '--keep-days', '0', '--dry-run', '--json'])).stdout);
    expect(dry.deleted.map((e: { path: string }) => e.path)).toEqual([second]);
    expect(dry.protected.map((e: { path: string }) => e.path)).toEqual([path]);
    const run = await sdk(['db', 'backups', 'prune', '--keep-days', '0']);
    expect(run.stdout).toContain('Deleted 1 backup older than 0 days');
    expect(run.stdout).toContain(`Kept ${path}`);
    const list = JSON.parse((await sdk(['db', 'backups', 'list', '--json'])).stdout);
    expect(list.backups.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it('Ctrl-C during a backup stops pg_dump, removes the partial file and exits 130', async () => {
    await db.pool.query('CREATE TABLE bulky AS SELECT g AS id, repeat(md5(g::text), 30) AS body FROM generate_series(1, 300000) g');
    const folder = await mkdtemp(join(tmpdir(), 'sdk-cli-interrupt-'));
    try {
      const child = spawn(process.execPath, [BIN, 'db', 'backup'], { env: { ...process.env, NO_COLOR: '1', DATABASE_URL: url, SDK_BACKUP_DIR: folder }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await new Promise<void>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          // The first progress line: pg_dump is running.
          if (stderr.includes('dumping:')) resolve();
        });
        void exited.then(() => resolve());
      });
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('SIGINT: stopping and cleaning up');
      expect(stderr).toMatch(/error: interrupted by SIGINT: pg_dump was stopped and the partial file removed/);
      expect(await readdir(folder)).toEqual([]);
      noPassword({ code: 0, stdout: '', stderr });
    } finally {
      await db.pool.query('DROP TABLE bulky');
      await rm(folder, { recursive: true, force: true });
    }
  });
});
