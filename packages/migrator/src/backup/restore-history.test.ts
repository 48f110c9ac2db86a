import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase, closeGate, gateSql } from '@big0290/testing';
import { migrate } from '../runner/index.js';
import { status } from '../status.js';
import { backup } from './backup.js';
import { restoreBackup } from './restore.js';

const GATE = `restore_history_gate_${process.pid}`;
const ACTOR = { user: 'restorer', host: 'ops-box', gitSha: 'abc123' };
const yes = async () => true;

const NOTES: MigrationSpec = { tag: '0000_notes', sql: 'CREATE TABLE notes (id serial PRIMARY KEY, body text)' };
const MORE: MigrationSpec = { tag: '0001_more', sql: 'ALTER TABLE notes ADD COLUMN extra text' };

let dir: string;
const databases: TestDatabase[] = [];

async function database(name: string): Promise<TestDatabase> {
  const db = await createTestDatabase(name);
  databases.push(db);
  return db;
}

interface HistoryRow {
  id: string;
  outcome: string;
  phase: string | null;
  os_user: string | null;
  host: string | null;
  git_sha: string | null;
  target_tag: string | null;
  current_tag: string | null;
  migrations: string[];
  archive: string | null;
}

/** The audit history, oldest first, as a person reading it would (the restore's archive column read only if there). */
async function history(db: TestDatabase): Promise<HistoryRow[]> {
  const { rows } = await db.pool.query<HistoryRow>(
    `SELECT id::text, outcome, phase, os_user, host, git_sha, target_tag, current_tag, migrations, to_jsonb(h) ->> 'archive' AS archive
       FROM sdk_migrator.history h ORDER BY id`,
  );
  return rows;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-restore-history-'));
});
afterAll(async () => {
  for (const db of databases) await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('the audit history survives a restore', () => {
  let db: TestDatabase;
  let path: string;
  let folder: string;
  let atBackup: HistoryRow[];

  beforeAll(async () => {
    db = await database('restore_history');
    folder = await writeMigrationsFolder([NOTES, MORE]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_notes', actor: ACTOR });
    await db.pool.query(gateSql(GATE));
    atBackup = await history(db);
    path = (await backup({ databaseUrl: db.url, backupDir: dir, output: join(dir, 'history.dump') })).path;
  });

  it('keeps the rows written after the backup and adds one for the restore: who, when, which archive, what it undid', async () => {
    // Written after the backup: a migration applied, then a run with nothing to do.
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, actor: ACTOR });
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, actor: ACTOR });
    const before = await history(db);
    expect(before).toHaveLength(atBackup.length + 2);

    const result = await restoreBackup({ path, databaseUrl: db.url, confirm: yes, actor: ACTOR });

    expect(result.restored).toBe(true);
    expect(result.mismatches).toEqual([]);
    const after = await history(db);
    expect(after.slice(0, -1)).toEqual(before);
    expect(after.at(-1)).toMatchObject({
      outcome: 'restored',
      phase: 'restore',
      os_user: 'restorer',
      host: 'ops-box',
      git_sha: 'abc123',
      target_tag: '0000_notes',
      current_tag: '0001_more',
      migrations: ['0001_more'],
      archive: path,
    });
    expect(result.history).toEqual({ table: 'sdk_migrator.history', kept: 2, restoreId: Number(after.at(-1)!.id) });
    // The schema and the applied migrations are the backup's.
    const { rows } = await db.pool.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'extra'");
    expect(rows).toEqual([]);
  });

  it('status reads the restore as the last run, and the next migrate records after it', async () => {
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.lastRun).toMatchObject({ outcome: 'restored' });
    expect(report.migrations.map((m) => [m.tag, m.state])).toEqual([
      ['0000_notes', 'applied'],
      ['0001_more', 'pending'],
    ]);
    const restoreId = Number((await history(db)).at(-1)!.id);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, actor: ACTOR });
    const last = (await history(db)).at(-1)!;
    expect(Number(last.id)).toBeGreaterThan(restoreId);
    expect(last).toMatchObject({ outcome: 'succeeded', migrations: ['0001_more'] });
  });

  it('a failed restore leaves the history exactly as it was, with no row for itself; the next one keeps it and records only itself', async () => {
    const before = await history(db);
    const open = await closeGate(db.adminUrl, GATE, 'fail');
    try {
      await expect(restoreBackup({ path, databaseUrl: db.url, confirm: yes, actor: ACTOR })).rejects.toMatchObject({ code: 'E_RESTORE_FAILED' });
    } finally {
      await open();
    }
    expect(await history(db)).toEqual(before);
    const { rows } = await db.pool.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sdk\\_restore\\_keep\\_%'");
    expect(rows).toEqual([]);

    await restoreBackup({ path, databaseUrl: db.url, confirm: yes, actor: ACTOR });
    const after = await history(db);
    expect(after.slice(0, -1)).toEqual(before);
    expect(after.at(-1)).toMatchObject({ outcome: 'restored', archive: path });
  });
});

describe("a backup of another database, whose history uses the same ids", () => {
  it("keeps both: the backup's rows, then the target's with new ids in their order, then the restore", async () => {
    const source = await database('restore_history_source');
    const target = await database('restore_history_target');
    const folder = await writeMigrationsFolder([NOTES]);
    await migrate({ databaseUrl: source.url, migrationsFolder: folder, actor: { ...ACTOR, user: 'source' } });
    const path = (await backup({ databaseUrl: source.url, backupDir: dir, output: join(dir, 'other.dump') })).path;
    await migrate({ databaseUrl: target.url, migrationsFolder: folder, actor: { ...ACTOR, user: 'target-1' } });
    await migrate({ databaseUrl: target.url, migrationsFolder: folder, actor: { ...ACTOR, user: 'target-2' } });
    expect((await history(target)).map((r) => [r.id, r.os_user])).toEqual([
      ['1', 'target-1'],
      ['2', 'target-2'],
    ]);

    await restoreBackup({ path, databaseUrl: target.url, confirm: yes, allowOtherDatabase: true, actor: ACTOR });

    expect((await history(target)).map((r) => [r.id, r.os_user, r.outcome])).toEqual([
      ['1', 'source', 'succeeded'],
      ['2', 'target-1', 'succeeded'],
      ['3', 'target-2', 'succeeded'],
      ['4', 'restorer', 'restored'],
    ]);
    // The sequence continues after them: the next run records without a duplicate key.
    await migrate({ databaseUrl: target.url, migrationsFolder: folder, actor: ACTOR });
    expect((await history(target)).at(-1)!.id).toBe('5');
  });
});

describe('a backup made before the first `sdk db migrate`', () => {
  it('has no history: the history written since is kept whole, and the restore recorded in it', async () => {
    const db = await database('restore_history_before');
    await db.pool.query('CREATE TABLE notes (id serial PRIMARY KEY, body text)');
    const path = (await backup({ databaseUrl: db.url, backupDir: dir, output: join(dir, 'before-sdk.dump') })).path;
    const folder = await writeMigrationsFolder([MORE]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, actor: ACTOR });
    const before = await history(db);

    let dropped: string[] = [];
    const result = await restoreBackup({ path, databaseUrl: db.url, actor: ACTOR, confirm: async (preview) => ((dropped = preview.dropped), true) });

    expect(dropped).toContain('schema sdk_migrator (and everything in it but the audit history, which is kept)');
    const after = await history(db);
    expect(after.slice(0, -1)).toEqual(before);
    expect(after.at(-1)).toMatchObject({ outcome: 'restored', target_tag: null, current_tag: '0001_more', migrations: ['0001_more'] });
    expect(result.history).toMatchObject({ kept: before.length });
    // Everything else of sdk_migrator went with the restore: 0001_more is pending again.
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.migrations.map((m) => m.state)).toEqual(['pending']);
    expect(report.lastRun).toMatchObject({ outcome: 'restored' });
  });
});

describe('a database sdk never migrated', () => {
  it('has no history before or after: the restore works as before and records nothing', async () => {
    const db = await database('restore_history_none');
    await db.pool.query('CREATE TABLE notes (id serial PRIMARY KEY, body text)');
    const path = (await backup({ databaseUrl: db.url, backupDir: dir, output: join(dir, 'no-sdk.dump') })).path;
    await db.pool.query("INSERT INTO notes (body) VALUES ('after the backup')");
    const result = await restoreBackup({ path, databaseUrl: db.url, confirm: yes, actor: ACTOR });
    expect(result).toMatchObject({ restored: true, history: null, rowChanges: [{ table: 'public.notes', before: 1, beforeExact: true, after: 0 }] });
    const { rows } = await db.pool.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sdk\\_%'");
    expect(rows).toEqual([]);
  });
});
