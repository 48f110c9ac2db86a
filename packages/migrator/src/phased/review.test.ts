import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { addIndex, addRequiredColumn, addUnique, renameColumn } from '../operations/index.js';
import { rollbackOperation } from './rollback.js';
import { writeOperation } from './write.js';

const SETUP = `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, team integer NOT NULL);
--> statement-breakpoint
INSERT INTO users (email, team) SELECT 'u' || g || '@x.test', g % 7 FROM generate_series(1, 300) g;
--> statement-breakpoint
INSERT INTO users (email, team) VALUES ('u1@x.test', 1);`;

async function fresh(prefix: string) {
  const other = await createTestDatabase(prefix);
  const c = new pg.Client({ connectionString: other.url });
  await c.connect();
  const folder = await writeMigrationsFolder([{ tag: '0000_init', sql: SETUP }]);
  await migrate({ databaseUrl: other.url, migrationsFolder: folder });
  return { other, c, folder, data: `${folder}-data`, close: async () => { await c.end(); await other.drop(); } };
}

describe('rollback-operation, reviewed', () => {
  it('undoes an expand that stopped half-way (an index built, the next one failed): nothing of it is left', async () => {
    const { other, c, folder, data, close } = await fresh('oprvw1');
    try {
      const index = addIndex.plan(await addIndex.resolve(c, { table: 'users', columns: 'team' }));
      const unique = addUnique.plan(await addUnique.resolve(c, { table: 'users', columns: 'email' }));
      await writeOperation([index, unique], { migrationsFolder: folder, dataMigrationsFolder: data, name: 'both', command: 'test' });
      // The unique index fails on the duplicate email; the team index before it in the file was built.
      await expect(migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data })).rejects.toMatchObject({ code: 'E_MIGRATION_FAILED' });
      expect((await c.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisprimary`)).rows).toEqual([{ name: 'users_team_idx' }]);
      await rollbackOperation({ databaseUrl: other.url, migrationsFolder: folder, name: 'both' });
      expect((await c.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisprimary`)).rows).toEqual([]);
      expect((await c.query(`SELECT tag FROM sdk_migrator.progress`)).rows).toEqual([]);
    } finally {
      await close();
    }
  });

  it('forgets the migration in drizzle-kit\'s table too when its file was edited after it was applied', async () => {
    const { other, c, folder, data, close } = await fresh('oprvw2');
    try {
      const plan = addRequiredColumn.plan(await addRequiredColumn.resolve(c, { table: 'users', column: 'plan', type: 'text', default: "'free'", backfill: "'legacy'" }));
      await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'plan', command: 'test' });
      await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
      const before = (await c.query(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`)).rows[0].n as number;
      // A comment added to the expand file after it ran.
      const file = join(folder, '0001_plan_expand.sql');
      await writeFile(file, `${await readFile(file, 'utf8')}-- reviewed\n`);
      const result = await rollbackOperation({ databaseUrl: other.url, migrationsFolder: folder, name: 'plan' });
      expect(result.undone).toEqual(['0001_plan_expand']);
      expect((await c.query(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`)).rows).toEqual([{ n: before - 1 }]);
    } finally {
      await close();
    }
  });

  it('writes and runs an expand whose rollback restores a default that spans lines (a string with a newline)', async () => {
    const { other, c, folder, data, close } = await fresh('oprvw3');
    try {
      await c.query(`ALTER TABLE users ADD COLUMN note text DEFAULT E'line 1\nline 2'`);
      const plan = renameColumn.plan(await renameColumn.resolve(c, { table: 'users', from: 'note', to: 'remark' }));
      await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'remark', command: 'test' });
      await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
      await c.query(`INSERT INTO users (email, team) VALUES ('new@x.test', 1)`);
      expect((await c.query(`SELECT note, remark FROM users WHERE email = 'new@x.test'`)).rows).toEqual([{ note: 'line 1\nline 2', remark: 'line 1\nline 2' }]);
      const result = await rollbackOperation({ databaseUrl: other.url, migrationsFolder: folder, name: 'remark' });
      expect(result.statements[0]).toBe(`ALTER TABLE "public"."users" ALTER COLUMN "note" SET DEFAULT 'line 1\nline 2'::text;`);
      expect((await c.query(`SELECT pg_get_expr(adbin, adrelid) AS def FROM pg_attrdef WHERE adrelid = 'users'::regclass AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'note')`)).rows).toEqual([{ def: `'line 1\nline 2'::text` }]);
    } finally {
      await close();
    }
  });
});
