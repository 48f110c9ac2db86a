import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { migrate as runSchemaMigrations } from '../runner/index.js';
import { addIndex, addRequiredColumn } from '../operations/index.js';
import { writeOperation } from './write.js';

const SETUP = `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
--> statement-breakpoint
INSERT INTO users (email) SELECT 'u' || g || '@x.test' FROM generate_series(1, 500) g;`;

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('opguards');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

async function project() {
  const folder = await writeMigrationsFolder([{ tag: '0000_init', sql: SETUP }]);
  const data = `${folder}-data`;
  return { folder, data };
}

describe('an operation\'s contract', () => {
  it('refuses to run, whatever runs it, before the backfill it depends on finished; nothing of it is applied', async () => {
    const { folder, data } = await project();
    await runSchemaMigrations({ databaseUrl: db.url, migrationsFolder: folder });
    const plan = addRequiredColumn.plan(await addRequiredColumn.resolve(client, { table: 'users', column: 'plan', type: 'text', default: "'free'", backfill: "'legacy'" }));
    const written = await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'plan', command: 'test' });
    // The runner alone (no data migrations folder), as drizzle-kit's migrator would run the files.
    const error = await runSchemaMigrations({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_MIGRATION_FAILED', message: expect.stringContaining('has not finished') });
    const { rows } = await client.query(`SELECT attnotnull, (SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'c') AS checks FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'plan'`);
    expect(rows).toEqual([{ attnotnull: false, checks: 0 }]);
    // With its data migrations, the same files run through.
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    const after = await client.query(`SELECT count(*)::int AS n FROM users WHERE plan = 'legacy'`);
    expect(after.rows).toEqual([{ n: 500 }]);
    expect(written.files.filter((f) => f.kind === 'data-migration').map((f) => f.name)).toEqual(['0001_plan_backfill']);
  });

  it('is never reached while the value for existing rows was not given: the data migration refuses with what to do', async () => {
    const other = await createTestDatabase('opguards2');
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    try {
      const { folder, data } = await project();
      await migrate({ databaseUrl: other.url, migrationsFolder: folder });
      const plan = addRequiredColumn.plan(await addRequiredColumn.resolve(c, { table: 'users', column: 'plan', type: 'text' }));
      await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'plan', command: 'test' });
      const text = await readFile(join(data, '0001_plan_backfill.mjs'), 'utf8');
      expect(text).toContain('const value = undefined;');
      const error = await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_DATA_MIGRATION', message: expect.stringContaining('no value was given for the existing rows of public.users.plan') });
      // The expand ran (the column exists, nullable); nothing after the data migration did.
      const { rows } = await c.query(`SELECT tag FROM sdk_migrator.migrations ORDER BY idx`);
      expect(rows.map((r) => r.tag)).toEqual(['0000_init', '0001_plan_expand']);
    } finally {
      await c.end();
      await other.drop();
    }
  });

  it('of an earlier operation still pending keeps a new operation from being written after it; written together, every expand comes first', async () => {
    const other = await createTestDatabase('opguards3');
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    try {
      const { folder, data } = await project();
      await migrate({ databaseUrl: other.url, migrationsFolder: folder });
      const first = addRequiredColumn.plan(await addRequiredColumn.resolve(c, { table: 'users', column: 'plan', type: 'text', default: "'free'", backfill: "'legacy'" }));
      const second = addIndex.plan(await addIndex.resolve(c, { table: 'users', columns: 'email' }));
      await writeOperation(first, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'plan', command: 'test', applied: new Set(['0000_init']) });
      await expect(writeOperation(second, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'email_idx', command: 'test', applied: new Set(['0000_init']) })).rejects.toMatchObject({
        code: 'E_OPERATION',
        message: expect.stringContaining('the contract of operation plan (0002_plan_contract) is not applied yet'),
      });
      // Both as one: the index is built in the expand phase, before the deploy.
      const together = await writeMigrationsFolder([{ tag: '0000_init', sql: SETUP }]);
      const written = await writeOperation([first, second], { migrationsFolder: together, dataMigrationsFolder: `${together}-data`, name: 'plan_and_index', command: 'test' });
      expect(written.files.map((f) => `${f.name}:${f.phase}`)).toEqual([
        '0001_plan_and_index_expand:expand',
        '0002_plan_and_index_expand_2:expand',
        '0002_plan_and_index_backfill:backfill',
        '0003_plan_and_index_contract:contract',
        '0004_plan_and_index_contract_2:contract',
        '0005_plan_and_index_contract_3:contract',
      ]);
      expect(written.files[1]!.text).toContain('CREATE INDEX CONCURRENTLY');
      expect(written.files[1]!.text).toContain('-- sdk:lock-timeout 2000ms');
      expect(written.files[0]!.text).toContain('-- sdk:lock-timeout 200ms');
    } finally {
      await c.end();
      await other.drop();
    }
  });
});
