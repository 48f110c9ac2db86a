import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate, status } from '../index.js';

const SCHEMA: MigrationSpec[] = [
  { tag: '0000_init', sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);' },
  { tag: '0001_add_status', sql: 'ALTER TABLE "users" ADD COLUMN "status" text;' },
  // The contract step: it fails while a row still has no status.
  { tag: '0002_status_required', sql: 'ALTER TABLE "users" ALTER COLUMN "status" SET NOT NULL;' },
];

// TypeScript, with no import: the runner loads it through tsx on Node 20.
const FILL = `interface Context { backfill(options: { table: string; set: string; where?: string }): Promise<{ rows: number }> }
export default {
  after: '0001_add_status',
  description: 'every user gets a status before it becomes required',
  run: async ({ backfill }: Context): Promise<void> => {
    await backfill({ table: 'users', set: "status = 'active'", where: 'status IS NULL' });
  },
};
`;

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('datamig');
  dir = await mkdtemp(join(tmpdir(), 'sdk-data-'));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('tracked data migrations', () => {
  it('run right after the schema migration they follow, so the contract migration after them finds every row done', async () => {
    const folder = await writeMigrationsFolder(SCHEMA);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_init' });
    await db.pool.query("INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 5000) g");
    const data = join(dir, 'ok');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, '0001_fill_status.ts'), FILL);
    const before = await status({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    expect(before.dataMigrations).toEqual([expect.objectContaining({ name: '0001_fill_status', state: 'pending' })]);

    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    expect(result.applied.map((a) => a.tag)).toEqual(['0001_add_status', '0002_status_required']);
    expect(result.dataMigrations).toEqual([expect.objectContaining({ name: '0001_fill_status', after: '0001_add_status', resumed: false })]);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM users WHERE status = 'active'")).rows[0].n).toBe(5000);
    const after = await status({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    expect(after.dataMigrations).toEqual([expect.objectContaining({ name: '0001_fill_status', after: '0001_add_status', state: 'finished', modified: false })]);
    expect(after.needsAttention).toBe(false);
    // Finished: a second migrate runs nothing.
    expect((await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data })).dataMigrations).toEqual([]);
    // Its backfill is recorded under the data migration's name.
    expect((await db.pool.query("SELECT status, rows_changed::int AS rows FROM sdk_migrator.backfills WHERE name = '0001_fill_status'")).rows).toEqual([{ status: 'finished', rows: 5000 }]);
  });

  it('a data migration that fails stops the run before any later schema migration; fixed, the next run goes on', async () => {
    const other = await createTestDatabase('datamig_fail');
    try {
      const folder = await writeMigrationsFolder(SCHEMA);
      await migrate({ databaseUrl: other.url, migrationsFolder: folder, to: '0000_init' });
      await other.pool.query("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 100) g");
      const data = join(dir, 'failing');
      await mkdir(data, { recursive: true });
      await writeFile(join(data, '0001_fill_status.mjs'), "export default { after: '0001_add_status', run: async ({ backfill }) => { await backfill({ table: 'users', set: 'status = no_such_column' }); } };\n");
      const error = await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_DATA_MIGRATION' });
      expect((error as Error).message).toMatch(/^data migration 0001_fill_status failed: .*no_such_column.*; no later schema migration was applied$/);
      const stuck = await status({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data });
      expect(stuck.migrations.map((m) => [m.tag, m.state])).toEqual([
        ['0000_init', 'applied'],
        ['0001_add_status', 'applied'],
        ['0002_status_required', 'pending'],
      ]);
      expect(stuck.dataMigrations).toEqual([expect.objectContaining({ name: '0001_fill_status', state: 'failed', error: expect.stringContaining('no_such_column') })]);
      expect(stuck.needsAttention).toBe(true);

      await writeFile(join(data, '0001_fill_status.mjs'), "export default { after: '0001_add_status', run: async ({ backfill }) => { await backfill({ table: 'users', set: \"status = 'x'\", where: 'status IS NULL', name: 'fill-v2' }); } };\n");
      const fixed = await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data });
      expect(fixed.applied.map((a) => a.tag)).toEqual(['0002_status_required']);
      expect(fixed.dataMigrations.map((d) => d.name)).toEqual(['0001_fill_status']);
    } finally {
      await other.drop();
    }
  });

  it('copy() moves rows into another table in batches, its checkpoint named like backfill calls: the file, then #2', async () => {
    const other = await createTestDatabase('datamig_copy');
    try {
      const folder = await writeMigrationsFolder([
        { tag: '0000_init', sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL, "status" text);' },
        { tag: '0001_archive', sql: 'CREATE TABLE "users_archive" ("id" bigint PRIMARY KEY, "email" text NOT NULL, "status" text NOT NULL);' },
      ]);
      await migrate({ databaseUrl: other.url, migrationsFolder: folder, to: '0000_init' });
      await other.pool.query("INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 3000) g");
      const data = join(dir, 'copy');
      await mkdir(data, { recursive: true });
      await writeFile(
        join(data, '0001_archive_users.mjs'),
        `export default { after: '0001_archive', run: async ({ backfill, copy }) => {
          await backfill({ table: 'users', set: "status = 'active'", where: 'status IS NULL' });
          await copy({ table: 'users', into: 'users_archive', columns: ['id', 'email', 'status'], select: ['id', 'upper(email)', 'status'], maxRowsPerBatch: 500 });
        } };\n`,
      );
      const result = await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data });
      expect(result.dataMigrations.map((d) => d.name)).toEqual(['0001_archive_users']);
      const { rows } = await other.pool.query('SELECT name, into_table, status, rows_changed::int AS rows FROM sdk_migrator.backfills ORDER BY name');
      expect(rows).toEqual([
        { name: '0001_archive_users', into_table: null, status: 'finished', rows: 3000 },
        { name: '0001_archive_users#2', into_table: 'public.users_archive', status: 'finished', rows: 3000 },
      ]);
      const { rows: wrong } = await other.pool.query("SELECT count(*)::int AS n FROM users u FULL JOIN users_archive a USING (id) WHERE a.email IS DISTINCT FROM upper(u.email) OR a.status <> 'active'");
      expect(wrong).toEqual([{ n: 0 }]);
    } finally {
      await other.drop();
    }
  });

  it('refuses a file that does not export a data migration, naming what to write', async () => {
    const data = join(dir, 'bad');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, '0001_x.mjs'), 'export default { run() {} };\n');
    const folder = await writeMigrationsFolder(SCHEMA.slice(0, 1));
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data })).rejects.toMatchObject({
      code: 'E_DATA_MIGRATION',
      message: 'data migration 0001_x does not export default defineDataMigration({ after, run })',
    });
  });
});
