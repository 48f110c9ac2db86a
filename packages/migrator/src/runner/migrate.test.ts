import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from './index.js';
import { status } from '../status.js';
import type { RunnerEvent } from './types.js';

const BASE: MigrationSpec[] = [
  {
    tag: '0000_init',
    sql: `CREATE SCHEMA "auth";
--> statement-breakpoint
CREATE TABLE "auth"."users" (
\t"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
\t"email" varchar(255) NOT NULL,
\tCONSTRAINT "users_email_unique" UNIQUE("email")
);`,
  },
  { tag: '0001_phone', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20);' },
  { tag: '0002_status', sql: `ALTER TABLE "auth"."users" ADD COLUMN "status" varchar(20) DEFAULT 'active';` },
];

const dbs: TestDatabase[] = [];
async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('runner');
  dbs.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

async function scalar<T>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.pool.query(sql, params);
  return Object.values(rows[0] ?? {})[0] as T;
}

async function columns(db: TestDatabase, table: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = $1 ORDER BY ordinal_position",
    [table],
  );
  return rows.map((r) => r.column_name);
}

describe('migrate on an empty database', () => {
  let db: TestDatabase;
  let folder: string;
  let events: RunnerEvent[];
  beforeAll(async () => {
    db = await freshDb();
    folder = await writeMigrationsFolder(BASE);
    events = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, onEvent: (e) => events.push(e) });
    expect(result.applied.map((a) => a.tag)).toEqual(['0000_init', '0001_phone', '0002_status']);
  });

  it('applies every migration in journal order', async () => {
    expect(await columns(db, 'users')).toEqual(['id', 'email', 'phone_number', 'status']);
    expect(events.filter((e) => e.type === 'migration-done').map((e) => (e as { tag: string }).tag)).toEqual(['0000_init', '0001_phone', '0002_status']);
  });

  it('records each migration in drizzle.__drizzle_migrations with the journal time and file hash', async () => {
    const { rows } = await db.pool.query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at');
    expect(rows.map((r) => Number(r.created_at))).toEqual([1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
  });

  it('leaves drizzle-orm migrate() nothing to do afterwards', async () => {
    const client = drizzle(db.pool);
    await drizzleMigrate(client, { migrationsFolder: folder });
    expect(await scalar<number>(db, 'SELECT count(*)::int FROM drizzle.__drizzle_migrations')).toBe(3);
  });

  it('does nothing when run again', async () => {
    const again = await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    expect(again.applied).toEqual([]);
    expect(again.plan).toEqual([]);
  });

  it('writes an audit record per run: who, where, outcome, duration, statements', async () => {
    const { rows } = await db.pool.query(
      'SELECT outcome, os_user, host, duration_ms, statements_applied, migrations, finished_at FROM sdk_migrator.history ORDER BY id',
    );
    expect(rows[0]).toMatchObject({ outcome: 'succeeded', statements_applied: 4, migrations: ['0000_init', '0001_phone', '0002_status'] });
    expect(rows[0].os_user).toBeTruthy();
    expect(rows[0].host).toBeTruthy();
    expect(rows[0].duration_ms).toBeGreaterThanOrEqual(0);
    expect(rows[0].finished_at).toBeInstanceOf(Date);
  });

  it('reports every migration as applied in status', async () => {
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.migrations.map((m) => [m.tag, m.state])).toEqual([
      ['0000_init', 'applied'],
      ['0001_phone', 'applied'],
      ['0002_status', 'applied'],
    ]);
    expect(report.needsAttention).toBe(false);
    expect(report.lastRun?.outcome).toBe('succeeded');
    expect(report.target).not.toContain('postgres:postgres@');
  });
});

describe('a database migrated by drizzle-kit', () => {
  it('is adopted without running anything again, then new migrations apply', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await drizzleMigrate(drizzle(db.pool), { migrationsFolder: folder });
    const events: RunnerEvent[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, onEvent: (e) => events.push(e) });
    expect(result.applied).toEqual([]);
    expect(events).toContainEqual({ type: 'adopted-drizzle-history', count: 3 });
    expect(await scalar<number>(db, 'SELECT count(*)::int FROM sdk_migrator.migrations WHERE adopted')).toBe(3);

    const more = await writeMigrationsFolder([...BASE, { tag: '0003_idx', sql: 'CREATE INDEX CONCURRENTLY "users_phone_idx" ON "auth"."users" ("phone_number");' }], folder);
    const next = await migrate({ databaseUrl: db.url, migrationsFolder: more });
    expect(next.applied.map((a) => a.tag)).toEqual(['0003_idx']);
    await drizzleMigrate(drizzle(db.pool), { migrationsFolder: more });
    expect(await scalar<number>(db, 'SELECT count(*)::int FROM drizzle.__drizzle_migrations')).toBe(4);
  });
});

describe('statements that cannot run in a transaction', () => {
  it('applies CREATE INDEX CONCURRENTLY, and a migration mixing it with transactional statements', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([
      ...BASE,
      {
        tag: '0003_mixed',
        sql: `ALTER TABLE "auth"."users" ADD COLUMN "nickname" text;
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "users_nickname_idx" ON "auth"."users" ("nickname");
--> statement-breakpoint
COMMENT ON COLUMN "auth"."users"."nickname" IS 'shown in the UI';`,
      },
    ]);
    const events: RunnerEvent[] = [];
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, onEvent: (e) => events.push(e) });
    expect(await scalar<boolean>(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'auth.users_nickname_idx'::regclass")).toBe(true);
    expect(events.filter((e) => e.type === 'statement-start' && e.tag === '0003_mixed').map((e) => (e as { transactional: boolean }).transactional)).toEqual([
      true,
      false,
      true,
    ]);
    expect(await scalar<number>(db, 'SELECT count(*)::int FROM sdk_migrator.progress')).toBe(0);
  });

  it('commits ALTER TYPE ... ADD VALUE before a later statement uses the new value, and runs VACUUM', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([
      ...BASE,
      { tag: '0003_mood', sql: `CREATE TYPE "auth"."mood" AS ENUM ('happy');\n--> statement-breakpoint\nALTER TABLE "auth"."users" ADD COLUMN "mood" "auth"."mood";` },
      {
        tag: '0004_sad',
        sql: `ALTER TYPE "auth"."mood" ADD VALUE 'sad';\n--> statement-breakpoint\nUPDATE "auth"."users" SET "mood" = 'sad' WHERE "mood" IS NULL;\n--> statement-breakpoint\nVACUUM (ANALYZE) "auth"."users";`,
      },
    ]);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    expect(result.applied.map((a) => a.tag)).toContain('0004_sad');
    expect(await scalar<string>(db, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'auth.mood'::regtype")).toBe('happy,sad');
  });

  it('drops an INVALID index left by an earlier failed build and builds it again', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    await db.pool.query("INSERT INTO auth.users (email, phone_number) VALUES ('a@x', '1'), ('b@x', '1')");
    // A unique build over duplicate values fails and leaves the index behind, INVALID.
    await expect(db.pool.query('CREATE UNIQUE INDEX CONCURRENTLY users_phone_idx ON auth.users (phone_number)')).rejects.toThrow(/could not create unique index/);
    expect(await scalar<boolean>(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'auth.users_phone_idx'::regclass")).toBe(false);
    const before = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(before.invalidIndexes).toEqual([{ schema: 'auth', name: 'users_phone_idx', table: 'users' }]);
    expect(before.needsAttention).toBe(true);

    const more = await writeMigrationsFolder([...BASE, { tag: '0003_phone_idx', sql: 'CREATE INDEX CONCURRENTLY "users_phone_idx" ON "auth"."users" ("phone_number");' }], folder);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: more });
    expect(result.rebuiltIndexes).toEqual(['auth.users_phone_idx']);
    expect(await scalar<boolean>(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'auth.users_phone_idx'::regclass")).toBe(true);
  });

  it('does not leave an INVALID index behind when a concurrent unique build fails on duplicates', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    await db.pool.query("INSERT INTO auth.users (email, phone_number) VALUES ('a@x', '1'), ('b@x', '1')");
    const more = await writeMigrationsFolder([...BASE, { tag: '0003_uniq', sql: 'CREATE UNIQUE INDEX CONCURRENTLY "users_phone_uq" ON "auth"."users" ("phone_number");' }], folder);
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: more })).rejects.toMatchObject({ code: 'E_MIGRATION_FAILED', tag: '0003_uniq' });
    expect(await scalar<number>(db, "SELECT count(*)::int FROM pg_class WHERE relname = 'users_phone_uq'")).toBe(0);
    const report = await status({ databaseUrl: db.url, migrationsFolder: more });
    expect(report.migrations.at(-1)).toMatchObject({ tag: '0003_uniq', state: 'pending' });
    expect(report.lastRun?.outcome).toBe('failed');
  });
});

describe('a failing migration', () => {
  it('rolls back its transaction and records the failure, leaving earlier migrations applied', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([
      ...BASE,
      { tag: '0003_bad', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "a" int;\n--> statement-breakpoint\nALTER TABLE "auth"."nope" ADD COLUMN "b" int;' },
    ]);
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_MIGRATION_FAILED', tag: '0003_bad', statementIndex: 1 });
    expect((error as Error).message).toMatch(/relation "auth.nope" does not exist.*0003_bad\.sql:3/);
    expect(await columns(db, 'users')).not.toContain('a');
    expect(await scalar<string>(db, 'SELECT outcome FROM sdk_migrator.history ORDER BY id DESC LIMIT 1')).toBe('failed');
    expect(await scalar<number>(db, 'SELECT count(*)::int FROM sdk_migrator.migrations')).toBe(3);
  });
});

describe('integrity checks', () => {
  it('refuses an applied migration whose statements changed, naming the file and both hashes', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    const file = join(folder, '0001_phone.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace('varchar(20)', 'varchar(30)'));
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CHECKSUM', tag: '0001_phone', file });
    expect((error as { appliedHash: string }).appliedHash).not.toBe((error as { fileHash: string }).fileHash);
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.migrations.find((m) => m.tag === '0001_phone')).toMatchObject({ state: 'modified' });
    expect(report.needsAttention).toBe(true);
  });

  it('reports a migration older than the newest applied one instead of skipping it, and applies it when allowed', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    // A branch merged late: its journal time is older than the newest applied migration.
    const merged = await writeMigrationsFolder(
      [BASE[0]!, BASE[1]!, { tag: '0001_branch', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "branch" text;', when: 1_700_000_001_500 }, BASE[2]!].map((m, i) => ({
        ...m,
        when: m.when ?? [1_700_000_000_000, 1_700_000_001_000, 0, 1_700_000_002_000][i],
      })),
      folder,
    );
    const report = await status({ databaseUrl: db.url, migrationsFolder: merged });
    expect(report.migrations.find((m) => m.tag === '0001_branch')).toMatchObject({ state: 'out-of-order' });
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: merged })).rejects.toMatchObject({ code: 'E_OUT_OF_ORDER', tags: ['0001_branch'] });
    expect(await columns(db, 'users')).not.toContain('branch');
    const applied = await migrate({ databaseUrl: db.url, migrationsFolder: merged, allowOutOfOrder: true });
    expect(applied.applied.map((a) => a.tag)).toEqual(['0001_branch']);
    expect(await columns(db, 'users')).toContain('branch');
  });

  it('reports an applied migration missing from the folder', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    const fewer = await writeMigrationsFolder(BASE.slice(0, 2));
    const report = await status({ databaseUrl: db.url, migrationsFolder: fewer });
    expect(report.migrations.at(-1)).toMatchObject({ tag: '0002_status', state: 'missing' });
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: fewer })).rejects.toMatchObject({ code: 'E_MISSING', tags: ['0002_status'] });
  });

  it('says which file and line hold a syntax error, before touching the database', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([BASE[0]!, { tag: '0001_typo', sql: 'ALTER TABLE "auth"."users"\n  ADD COLUMN "x" int;\n--> statement-breakpoint\nALTER TABEL "auth"."users" ADD COLUMN "y" int;' }]);
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_SQL_SYNTAX', line: 4 });
    expect((error as Error).message).toContain('0001_typo.sql:4:');
    expect(await columns(db, 'users')).toEqual([]);
  });

  it('refuses BEGIN/COMMIT inside a migration file, which would end its transaction early', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([BASE[0]!, { tag: '0001_tx', sql: 'BEGIN;\nALTER TABLE "auth"."users" ADD COLUMN "x" int;\nCOMMIT;' }]);
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_TRANSACTION_CONTROL', message: expect.stringContaining('0001_tx.sql:1:1: BEGIN in a migration file') });
    expect(await columns(db, 'users')).toEqual([]);
  });

  it('explains a missing or corrupted journal in one line', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    await writeFile(join(folder, 'meta', '_journal.json'), '{ "entries": [ {');
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_JOURNAL', message: expect.stringMatching(/not valid JSON/) });
    await rm(join(folder, 'meta'), { recursive: true });
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_JOURNAL', message: expect.stringMatching(/no drizzle journal/) });
  });
});

const WITH_CONTRACT: MigrationSpec[] = [
  ...BASE,
  { tag: '0003_backfill', sql: `UPDATE "auth"."users" SET "phone_number" = '' WHERE "phone_number" IS NULL;` },
  { tag: '0004_required', sql: 'ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;' },
  { tag: '0005_more', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "later" text;' },
];

describe('phases', () => {
  it('with phase expand, stops before the first contract migration and says why', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(WITH_CONTRACT);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, phase: 'expand' });
    expect(result.applied.map((a) => a.tag)).toEqual(['0000_init', '0001_phone', '0002_status', '0003_backfill']);
    expect(result.stopped).toMatchObject({ reason: 'phase', beforeTag: '0004_required' });
    expect(result.remaining).toEqual(['0004_required', '0005_more']);
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.migrations.map((m) => [m.tag, m.phase, m.state]).slice(3)).toEqual([
      ['0003_backfill', 'expand', 'applied'],
      ['0004_required', 'contract', 'pending'],
      ['0005_more', 'expand', 'pending'],
    ]);
    const rest = await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    expect(rest.applied.map((a) => a.tag)).toEqual(['0004_required', '0005_more']);
  });

  it('with phase contract, refuses while the expand phase is still pending, then applies what expand held back', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(WITH_CONTRACT);
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder, phase: 'contract' })).rejects.toMatchObject({
      code: 'E_PHASE',
      message: expect.stringContaining('0000_init is an expand migration and still pending'),
      hint: expect.stringContaining('`sdk db migrate` with `phase` expand'),
    });
    expect(await scalar<string | null>(db, "SELECT to_regclass('auth.users')::text")).toBeNull();
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, phase: 'expand' });
    const contract = await migrate({ databaseUrl: db.url, migrationsFolder: folder, phase: 'contract' });
    expect(contract.applied.map((a) => a.tag)).toEqual(['0004_required', '0005_more']);
    const { rows } = await db.pool.query('SELECT phase FROM sdk_migrator.history ORDER BY id');
    expect(rows.map((r) => r.phase)).toEqual(['contract', 'expand', 'contract']);
  });

  it('lets a comment in the file override the inferred phase', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder([
      ...BASE,
      { tag: '0003_forced', sql: '-- sdk:phase contract\nALTER TABLE "auth"."users" ADD COLUMN "x" int;' },
    ]);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, phase: 'expand', dryRun: true });
    expect(result.stopped).toMatchObject({ reason: 'phase', beforeTag: '0003_forced' });
  });
});

describe('dry run and --to', () => {
  it('plans without changing anything', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(WITH_CONTRACT);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.plan.map((p) => [p.tag, p.phase])).toEqual([
      ['0000_init', 'expand'],
      ['0001_phone', 'expand'],
      ['0002_status', 'expand'],
      ['0003_backfill', 'expand'],
      ['0004_required', 'contract'],
      ['0005_more', 'expand'],
    ]);
    expect(result.plan[0]!.statements.map((s) => s.transactional)).toEqual([true, true]);
    expect(await scalar<number>(db, "SELECT count(*)::int FROM pg_namespace WHERE nspname IN ('auth', 'sdk_migrator', 'drizzle')")).toBe(0);
  });

  it('stops after the given migration', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(WITH_CONTRACT);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0001_phone' });
    expect(result.applied.map((a) => a.tag)).toEqual(['0000_init', '0001_phone']);
    expect(result.stopped).toEqual({ reason: 'to', afterTag: '0001_phone' });
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '9999_nope' })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('connection errors', () => {
  it('say what is wrong without showing the password', async () => {
    const db = await freshDb();
    const folder = await writeMigrationsFolder(BASE);
    const url = new URL(db.url);
    url.password = 'wrong-Pa55word';
    const error = (await migrate({ databaseUrl: url.toString(), migrationsFolder: folder }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'E_CONNECTION' });
    expect(error.message).toMatch(/authentication failed/);
    expect(error.message).not.toContain('wrong-Pa55word');

    const refused = (await migrate({ databaseUrl: 'postgres://u:s3cret-pw@127.0.0.1:1/db', migrationsFolder: folder }).catch((e: unknown) => e)) as Error;
    expect(refused).toMatchObject({ code: 'E_CONNECTION' });
    expect(refused.message).toMatch(/connection refused/);
    expect(refused.message).not.toContain('s3cret-pw');

    await expect(migrate({ databaseUrl: 'not a url s3cret', migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.not.stringContaining('s3cret') });
  });
});

describe('the runner session', () => {
  it('checks every second that its client is still there, so a killed runner does not leave a build running with its locks', async () => {
    const db = await freshDb();
    const version = Number(await scalar<string>(db, 'SHOW server_version_num'));
    const folder = await writeMigrationsFolder([
      { tag: '0000_settings', sql: "CREATE TABLE session_settings AS SELECT current_setting('client_connection_check_interval', true) AS interval;" },
    ]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    // client_connection_check_interval exists from PostgreSQL 14.
    expect(await scalar<string | null>(db, 'SELECT interval FROM session_settings')).toBe(version >= 140000 ? '1s' : null);
  });
});
