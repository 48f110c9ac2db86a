import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from '../runner/index.js';
import { ensureMetadata, METADATA_VERSION } from './metadata-migrations.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});
async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('metadata');
  dbs.push(db);
  return db;
}

const MIGRATIONS: MigrationSpec[] = [
  { tag: '0000_t', sql: 'CREATE TABLE "t" ("id" int PRIMARY KEY);' },
  { tag: '0001_a', sql: 'ALTER TABLE "t" ADD COLUMN "a" int;' },
];

/** The metadata exactly as the release before versioning (bee0871) created it, with a run recorded. */
const RELEASE_BEFORE_VERSIONING = `
  CREATE SCHEMA sdk_migrator;
  CREATE TABLE sdk_migrator.migrations (tag text PRIMARY KEY, idx integer NOT NULL, hash text NOT NULL, created_at bigint NOT NULL,
    phase text NOT NULL, statements integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer, run_id bigint,
    adopted boolean NOT NULL DEFAULT false);
  CREATE TABLE sdk_migrator.progress (tag text NOT NULL, hash text NOT NULL, statement_index integer NOT NULL,
    state text NOT NULL DEFAULT 'done', updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tag, statement_index));
  CREATE TABLE sdk_migrator.history (id bigserial PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
    duration_ms integer, outcome text NOT NULL DEFAULT 'running', db_user text NOT NULL DEFAULT current_user, os_user text, host text,
    git_sha text, backend_pid integer NOT NULL DEFAULT pg_backend_pid(), phase text, target_tag text, current_tag text,
    migrations text[] NOT NULL DEFAULT '{}', statements_applied integer NOT NULL DEFAULT 0, error text);
  CREATE SCHEMA drizzle;
  CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
`;

async function columns(db: TestDatabase, table: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'sdk_migrator' AND table_name = $1 ORDER BY ordinal_position",
    [table],
  );
  return rows.map((r) => r.column_name);
}

describe('the metadata schema\'s own migrations', () => {
  it('upgrade a database the release before versioning migrated, keeping its records, then the run goes on', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(MIGRATIONS.slice(0, 1));
    await db.pool.query(RELEASE_BEFORE_VERSIONING);
    // That release applied 0000_t: the table, its row in both tracking tables, and a history row.
    const first = await migrate({ databaseUrl: db.url, migrationsFolder: folder, dryRun: true });
    const hash = first.plan[0]!.hash;
    await db.pool.query('CREATE TABLE "t" ("id" int PRIMARY KEY)');
    await db.pool.query("INSERT INTO sdk_migrator.migrations (tag, idx, hash, created_at, phase, statements) VALUES ('0000_t', 0, $1, $2, 'expand', 1)", [
      hash,
      first.plan[0]!.when,
    ]);
    await db.pool.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [hash, first.plan[0]!.when]);
    await db.pool.query("INSERT INTO sdk_migrator.history (outcome, migrations) VALUES ('succeeded', '{0000_t}')");

    const result = await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder(MIGRATIONS, folder) });
    expect(result.applied.map((a) => a.tag)).toEqual(['0001_a']);
    const { rows: versions } = await db.pool.query('SELECT version FROM sdk_migrator.schema_version ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: METADATA_VERSION }, (_, i) => i + 1));
    expect(await columns(db, 'progress')).toEqual(expect.arrayContaining(['statement_hash', 'index_name']));
    expect(await columns(db, 'migrations')).toContain('tree_hash');
    expect(await columns(db, 'history')).toContain('archive');
    const { rows: history } = await db.pool.query('SELECT outcome, migrations FROM sdk_migrator.history ORDER BY id');
    expect(history).toEqual([
      { outcome: 'succeeded', migrations: ['0000_t'] },
      { outcome: 'succeeded', migrations: ['0001_a'] },
    ]);
    // The upgraded tables are used: the new migration's row has its tree hash.
    const { rows: tree } = await db.pool.query("SELECT tree_hash FROM sdk_migrator.migrations WHERE tag = '0001_a'");
    expect(tree[0].tree_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('are applied once: a second run changes nothing', async () => {
    const db = await freshDb();
    await ensureMetadata(db.pool);
    const { rows: before } = await db.pool.query('SELECT version, applied_at FROM sdk_migrator.schema_version ORDER BY version');
    await ensureMetadata(db.pool);
    const { rows: after } = await db.pool.query('SELECT version, applied_at FROM sdk_migrator.schema_version ORDER BY version');
    expect(after).toEqual(before);
    expect(before).toHaveLength(METADATA_VERSION);
  });

  it('refuse a database a newer release upgraded, touching nothing', async () => {
    const db = await freshDb();
    await ensureMetadata(db.pool);
    await db.pool.query(`INSERT INTO sdk_migrator.schema_version (version, name, checksum) VALUES (${METADATA_VERSION + 1}, 'from the future', 'x')`);
    const folder = await writeMigrationsFolder(MIGRATIONS);
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder })).rejects.toMatchObject({
      code: 'E_METADATA_VERSION',
      message: expect.stringContaining(`version ${METADATA_VERSION + 1}, made by a newer release`),
    });
    const { rows } = await db.pool.query("SELECT to_regclass('public.t') AS t");
    expect(rows[0].t).toBeNull();
  });

  it('refuse a recorded step whose text this release does not know', async () => {
    const db = await freshDb();
    await ensureMetadata(db.pool);
    await db.pool.query("UPDATE sdk_migrator.schema_version SET checksum = 'edited' WHERE version = 2");
    await expect(ensureMetadata(db.pool)).rejects.toMatchObject({ code: 'E_METADATA_VERSION' });
  });
});
