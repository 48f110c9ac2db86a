import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from '../runner/index.js';
import { pgDumpMajor } from './schema-copy.js';
import { SCRATCH_DATABASE_PREFIX, traceMigrations } from './trace.js';
import type { TraceReport, TracedStatement } from './types.js';

const APPLIED: MigrationSpec = {
  tag: '0000_init',
  sql: `CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" varchar(50) NOT NULL, "n" integer NOT NULL DEFAULT 0, "phone" varchar(20), "note" text);
--> statement-breakpoint
CREATE TABLE "orders" ("id" serial PRIMARY KEY, "account_id" integer NOT NULL, "amount" integer);
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_account_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") NOT VALID;
--> statement-breakpoint
CREATE MATERIALIZED VIEW "account_counts" AS SELECT count(*) AS n FROM "accounts";
--> statement-breakpoint
CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
--> statement-breakpoint
CREATE TABLE "events" ("id" integer NOT NULL, "at" date NOT NULL) PARTITION BY RANGE ("at");
--> statement-breakpoint
CREATE TABLE "events_2023" PARTITION OF "events" FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
--> statement-breakpoint
CREATE TABLE "events_2024" ("id" integer NOT NULL, "at" date NOT NULL);`,
};

/** Statements whose locks and rewrites effects.ts must get right, one migration each group. */
const PENDING: MigrationSpec[] = [
  {
    tag: '0001_columns',
    sql: [
      'ALTER TABLE "accounts" ADD COLUMN "status" text',
      'ALTER TABLE "accounts" ADD COLUMN "created_at" timestamptz DEFAULT now()',
      'ALTER TABLE "accounts" ADD COLUMN "token" uuid DEFAULT gen_random_uuid()',
      'ALTER TABLE "accounts" ADD COLUMN "seq_no" serial',
      'ALTER TABLE "accounts" ALTER COLUMN "phone" SET NOT NULL',
      'ALTER TABLE "accounts" ALTER COLUMN "n" SET DATA TYPE bigint',
      'ALTER TABLE "accounts" ALTER COLUMN "email" SET DATA TYPE varchar(100)',
      'ALTER TABLE "accounts" ALTER COLUMN "email" SET DATA TYPE text',
      'ALTER TABLE "accounts" ALTER COLUMN "n" SET DEFAULT 1',
      'ALTER TABLE "accounts" ALTER COLUMN "email" SET STATISTICS 500',
      'ALTER TABLE "accounts" SET (fillfactor = 90)',
      'ALTER TABLE "accounts" RENAME COLUMN "note" TO "remark"',
      'ALTER TABLE "accounts" DROP COLUMN "remark"',
      'UPDATE "accounts" SET "status" = \'active\'',
    ].join(';\n--> statement-breakpoint\n'),
  },
  {
    tag: '0002_indexes',
    sql: [
      'CREATE INDEX "accounts_email_idx" ON "accounts" ("email")',
      'CREATE INDEX CONCURRENTLY "orders_amount_idx" ON "orders" ("amount")',
      'ALTER TABLE "accounts" ADD CONSTRAINT "accounts_email_key" UNIQUE ("email")',
    ].join(';\n--> statement-breakpoint\n'),
  },
  {
    tag: '0003_constraints',
    sql: [
      'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_account_fk"',
      'ALTER TABLE "orders" ADD CONSTRAINT "orders_amount_check" CHECK ("amount" >= 0) NOT VALID',
      'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_amount_check"',
      'ALTER TABLE "orders" ADD CONSTRAINT "orders_account2_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id")',
      'CREATE TABLE "invoices" ("id" serial PRIMARY KEY, "account_id" integer REFERENCES "accounts"("id"))',
      `DO $$ BEGIN
 ALTER TABLE "invoices" ADD CONSTRAINT "invoices_order_fk" FOREIGN KEY ("id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$`,
      'CREATE TRIGGER "accounts_touch" BEFORE UPDATE ON "accounts" FOR EACH ROW EXECUTE FUNCTION "touch"()',
    ].join(';\n--> statement-breakpoint\n'),
  },
  {
    tag: '0004_partitions',
    sql: [
      'ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\')',
      'CREATE INDEX "events_at_idx" ON "events" ("at")',
      'ALTER TABLE "events" ALTER COLUMN "id" SET DATA TYPE bigint',
      'ALTER TABLE "events" DETACH PARTITION "events_2023"',
    ].join(';\n--> statement-breakpoint\n'),
  },
  {
    tag: '0005_maintenance',
    sql: [
      'REFRESH MATERIALIZED VIEW "account_counts"',
      'LOCK TABLE "orders" IN SHARE MODE',
      'VACUUM "orders"',
      'TRUNCATE "invoices"',
      'ALTER TABLE "accounts" RENAME TO "members"',
    ].join(';\n--> statement-breakpoint\n'),
  },
];

let db: TestDatabase;
let folder: string;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('trace');
  folder = await writeMigrationsFolder([APPLIED, ...PENDING]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_init' });
  await db.pool.query("INSERT INTO accounts (email, phone) SELECT 'user' || g || '@example.com', '555' FROM generate_series(1, 1000) g");
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

/**
 * Whether a trace's scratch database is still there. By its name only: other suites on the same
 * server (the CLI's `db plan --trace`) create and drop scratch databases of their own meanwhile.
 */
async function scratchExists(name: string): Promise<boolean> {
  const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length > 0;
}

function statements(trace: TraceReport): (TracedStatement & { tag: string })[] {
  return trace.migrations.flatMap((m) => m.statements.map((s) => ({ ...s, tag: m.tag })));
}

function find(trace: TraceReport, fragment: string): TracedStatement {
  const found = statements(trace).find((s) => s.sql.includes(fragment));
  if (!found) throw new Error(`no traced statement with ${fragment}`);
  return found;
}

describe('traceMigrations with the schema copied by pg_dump', () => {
  let trace: TraceReport;
  beforeAll(async () => {
    trace = await traceMigrations({ databaseUrl: db.url, migrationsFolder: folder });
    if (process.env.SDK_PRINT_TRACE) console.log(JSON.stringify(trace, null, 1));
  });

  it('copies the schema with pg_dump (when one that fits the server is installed) and drops the scratch database afterwards', async () => {
    // A machine without the PostgreSQL client tools, or with older ones, gets the replay instead.
    const dump = await pgDumpMajor('pg_dump');
    const server = Number((await db.pool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v) / 10_000;
    expect(trace.schemaCopy.method).toBe(typeof dump === 'number' && dump >= Math.floor(server) ? 'pg_dump' : 'replay');
    expect(trace.scratchDatabase.startsWith(SCRATCH_DATABASE_PREFIX)).toBe(true);
    expect(trace.scratchDropped).toBe(true);
    expect(await scratchExists(trace.scratchDatabase)).toBe(false);
  });

  it('runs every statement that can run in a transaction, and says which ones it could not trace', () => {
    expect(trace.failures).toBe(0);
    const notTraced = statements(trace).filter((s) => s.status === 'not-traced').map((s) => s.sql);
    expect(notTraced).toEqual(['CREATE INDEX CONCURRENTLY "orders_amount_idx" ON "orders" ("amount")', 'VACUUM "orders"']);
    expect(find(trace, 'VACUUM').reason).toMatch(/^not traced: runs outside a transaction/);
    expect(statements(trace).filter((s) => s.status === 'traced')).toHaveLength(statements(trace).length - 2);
  });

  it('agrees with the static analysis on every lock and rewrite', () => {
    expect(trace.disagreements).toEqual([]);
  });

  it('sees rewrites exactly where effects.ts says rewrite', () => {
    const traced = statements(trace).filter((s) => s.status === 'traced');
    const rewrites = (s: TracedStatement) => s.expected.filter((e) => e.rewrite).map((e) => e.relation).sort();
    for (const s of traced.filter((t) => !t.sql.includes('"events"'))) expect({ sql: s.sql, rewritten: s.rewritten.sort() }).toEqual({ sql: s.sql, rewritten: rewrites(s) });
    expect(traced.filter((s) => s.rewritten.length > 0).map((s) => s.sql)).toEqual([
      'ALTER TABLE "accounts" ADD COLUMN "token" uuid DEFAULT gen_random_uuid()',
      'ALTER TABLE "accounts" ADD COLUMN "seq_no" serial',
      'ALTER TABLE "accounts" ALTER COLUMN "n" SET DATA TYPE bigint',
      'ALTER TABLE "events" ALTER COLUMN "id" SET DATA TYPE bigint',
      'REFRESH MATERIALIZED VIEW "account_counts"',
      'TRUNCATE "invoices"',
    ]);
    // A partitioned table has no storage of its own: the rewrite is seen on each partition.
    expect(find(trace, '"events" ALTER COLUMN "id"').rewritten).toEqual(['public.events_2023', 'public.events_2024']);
  });

  it('reports the locks actually taken, by table and mode', () => {
    expect(find(trace, 'CREATE INDEX "accounts_email_idx"').observed).toContainEqual(expect.objectContaining({ relation: 'public.accounts', kind: 'table', lock: 'SHARE' }));
    expect(find(trace, 'VALIDATE CONSTRAINT "orders_account_fk"').observed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ relation: 'public.orders', lock: 'SHARE UPDATE EXCLUSIVE' }),
        // The referenced table is read (SELECT ... FOR KEY SHARE): incidental, not a disagreement.
        expect.objectContaining({ relation: 'public.accounts', lock: 'ROW SHARE' }),
      ]),
    );
    const fk = find(trace, '"orders_account2_fk"').observed;
    expect(fk.filter((o) => o.kind === 'table').map((o) => [o.relation, o.lock])).toEqual([
      ['public.accounts', 'SHARE ROW EXCLUSIVE'],
      ['public.orders', 'SHARE ROW EXCLUSIVE'],
    ]);
    // A table the statement creates is its own: only the referenced table is reported.
    expect(find(trace, 'CREATE TABLE "invoices"').observed.map((o) => [o.relation, o.lock])).toEqual([['public.accounts', 'SHARE ROW EXCLUSIVE']]);
  });

  it('sees the sequential scans of validations and index builds', () => {
    expect(find(trace, 'VALIDATE CONSTRAINT "orders_amount_check"').scanned).toContain('public.orders');
    expect(find(trace, 'ALTER COLUMN "phone" SET NOT NULL').scanned).toContain('public.accounts');
  });
});

describe('traceMigrations without pg_dump', () => {
  it('replays the applied migrations into the scratch database and says so', async () => {
    const trace = await traceMigrations({ databaseUrl: db.url, migrationsFolder: folder, pgDump: false });
    expect(trace.schemaCopy).toEqual({ method: 'replay', detail: expect.stringContaining('replayed the applied migrations up to 0000_init') });
    expect(trace.disagreements).toEqual([]);
    expect(trace.failures).toBe(0);
    expect(await scratchExists(trace.scratchDatabase)).toBe(false);
  });

  it('falls back to replaying when the pg_dump binary is missing', async () => {
    const trace = await traceMigrations({ databaseUrl: db.url, migrationsFolder: folder, pgDump: '/nonexistent/pg_dump' });
    expect(trace.schemaCopy.method).toBe('replay');
    expect(trace.schemaCopy.detail).toContain('/nonexistent/pg_dump not found');
  });
});

describe('nothing pending', () => {
  it('creates no scratch database', async () => {
    const applied = await writeMigrationsFolder([APPLIED]);
    const trace = await traceMigrations({ databaseUrl: db.url, migrationsFolder: applied });
    expect(trace).toMatchObject({ migrations: [], disagreements: [], failures: 0, schemaCopy: { method: 'none' } });
  });
});

describe('a statement that fails on the scratch database', () => {
  it('is reported with its error, later statements are skipped, and the scratch database is still dropped', async () => {
    const broken = await writeMigrationsFolder([
      APPLIED,
      { tag: '0001_broken', sql: 'ALTER TABLE "accounts" ADD COLUMN "x" text;\n--> statement-breakpoint\nALTER TABLE "nope" ADD COLUMN "y" text;\n--> statement-breakpoint\nALTER TABLE "accounts" ADD COLUMN "z" text;' },
    ]);
    const trace = await traceMigrations({ databaseUrl: db.url, migrationsFolder: broken });
    expect(trace.migrations[0]!.statements.map((s) => s.status)).toEqual(['traced', 'failed', 'skipped']);
    expect(trace.migrations[0]!.statements[1]!.reason).toContain('"nope" does not exist');
    expect(trace.failures).toBe(1);
    expect(await scratchExists(trace.scratchDatabase)).toBe(false);
  });
});

/**
 * Statements where the trace shows effects.ts naming too few tables (PostgreSQL 15). Each is a bug
 * in the static analysis, reported to be fixed in lint/effects.ts; until then the case is marked
 * `it.fails`. When effects.ts learns it, the case starts failing: mark it `fixed: true`.
 */
const GAPS: { name: string; sql: string; fixed?: true }[] = [
  // Changing the type of a referenced column re-creates the foreign keys that point at it: ACCESS EXCLUSIVE on every referencing table.
  { name: 'ALTER COLUMN TYPE of a referenced key locks the referencing tables', sql: 'ALTER TABLE "accounts" ALTER COLUMN "id" SET DATA TYPE bigint', fixed: true },
  // Dropping a foreign key drops its triggers on the referenced table: ACCESS EXCLUSIVE on it.
  { name: 'DROP CONSTRAINT of a foreign key locks the referenced table', sql: 'ALTER TABLE "orders" DROP CONSTRAINT "orders_account_id_accounts_id_fk"', fixed: true },
  { name: 'DROP COLUMN with a foreign key locks the referenced table', sql: 'ALTER TABLE "tags" DROP COLUMN "account_id"', fixed: true },
  { name: 'DROP TABLE with a foreign key locks the referenced table', sql: 'DROP TABLE "kin"', fixed: true },
  // The index's table is not in the statement; PostgreSQL locks it too.
  { name: 'DROP INDEX locks its table with ACCESS EXCLUSIVE', sql: 'DROP INDEX "accounts_email_idx"', fixed: true },
  { name: 'REINDEX INDEX locks its table with SHARE', sql: 'REINDEX INDEX "accounts_pkey"', fixed: true },
  // TRUNCATE ... CASCADE empties (new relfilenode) every referencing table too.
  { name: 'TRUNCATE ... CASCADE locks and rewrites the referencing tables', sql: 'TRUNCATE "parents" CASCADE', fixed: true },
  // Statements effects.ts has no case for.
  { name: 'COMMENT ON TABLE takes SHARE UPDATE EXCLUSIVE', sql: 'COMMENT ON TABLE "accounts" IS \'people\'', fixed: true },
  { name: 'CREATE STATISTICS takes SHARE UPDATE EXCLUSIVE', sql: 'CREATE STATISTICS "accounts_stats" ON "id", "email" FROM "accounts"', fixed: true },
  { name: 'CREATE POLICY takes ACCESS EXCLUSIVE', sql: 'CREATE POLICY "accounts_policy" ON "accounts" USING (true)', fixed: true },
  { name: 'DROP TRIGGER takes ACCESS EXCLUSIVE', sql: 'DROP TRIGGER "accounts_touch" ON "accounts"', fixed: true },
  { name: 'CREATE RULE takes ACCESS EXCLUSIVE', sql: 'CREATE RULE "accounts_keep" AS ON DELETE TO "accounts" DO INSTEAD NOTHING', fixed: true },
];

describe('known gaps in effects.ts, found by the trace', () => {
  let trace: TraceReport;
  beforeAll(async () => {
    const gapsDb = await createTestDatabase('trace_gaps');
    try {
      const gapsFolder = await writeMigrationsFolder([
        {
          tag: '0000_init',
          sql: [
            'CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" text)',
            'CREATE INDEX "accounts_email_idx" ON "accounts" ("email")',
            'CREATE TABLE "orders" ("id" serial PRIMARY KEY, "account_id" integer)',
            'ALTER TABLE "orders" ADD CONSTRAINT "orders_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id")',
            'CREATE TABLE "tags" ("id" serial PRIMARY KEY, "account_id" integer REFERENCES "accounts"("id"))',
            'CREATE TABLE "parents" ("id" serial PRIMARY KEY)',
            'CREATE TABLE "children" ("id" serial PRIMARY KEY, "parent_id" integer REFERENCES "parents"("id"))',
            'CREATE TABLE "kin" ("id" serial PRIMARY KEY, "parent_id" integer REFERENCES "parents"("id"))',
            'CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
            'CREATE TRIGGER "accounts_touch" BEFORE UPDATE ON "accounts" FOR EACH ROW EXECUTE FUNCTION "touch"()',
          ].join(';\n--> statement-breakpoint\n'),
        },
        ...GAPS.map((gap, i) => ({ tag: `${String(i + 1).padStart(4, '0')}_gap`, sql: gap.sql })),
      ]);
      await migrate({ databaseUrl: gapsDb.url, migrationsFolder: gapsFolder, to: '0000_init' });
      trace = await traceMigrations({ databaseUrl: gapsDb.url, migrationsFolder: gapsFolder });
    } finally {
      await gapsDb.drop();
    }
  });

  it('traces every one of these statements', () => {
    expect(trace.failures).toBe(0);
    expect(statements(trace).map((s) => s.status)).toEqual(GAPS.map(() => 'traced'));
  });

  for (const gap of GAPS) {
    // Fixed gaps run as ordinary tests, so a regression fails loudly.
    (gap.fixed ? it : it.fails)(`effects.ts: ${gap.name}`, () => {
      expect(trace.disagreements.filter((d) => d.sql === gap.sql)).toEqual([]);
    });
  }
});
