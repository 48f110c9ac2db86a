import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from '../runner/index.js';
import { planMigrations } from './plan.js';
import type { PlanReport } from './types.js';
import { statement } from './__fixtures__/plan.js';

const ACCOUNTS = 50_000;
const ORDERS = 2_000;

const APPLIED: MigrationSpec = {
  tag: '0000_init',
  sql: `CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" text NOT NULL, "n" integer NOT NULL DEFAULT 0);
--> statement-breakpoint
CREATE TABLE "orders" ("id" serial PRIMARY KEY, "account_id" integer NOT NULL);
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_account_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") NOT VALID;`,
};

const PENDING: MigrationSpec[] = [
  {
    tag: '0001_orders',
    sql: `ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_account_fk";
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "note" text;`,
  },
  {
    tag: '0002_refunds',
    sql: `CREATE TABLE "refunds" ("id" serial PRIMARY KEY, "account_id" integer NOT NULL);
--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_account_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id");
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_account_fk2" FOREIGN KEY ("account_id") REFERENCES "accounts"("id");`,
  },
];

let db: TestDatabase;
let folder: string;

beforeAll(async () => {
  db = await createTestDatabase('plan_accuracy');
  folder = await writeMigrationsFolder([APPLIED, ...PENDING]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_init' });
  // Never analyzed, and autovacuum kept away so it stays so while the test runs: pg_class.reltuples is -1.
  await db.pool.query('ALTER TABLE accounts SET (autovacuum_enabled = false); ALTER TABLE orders SET (autovacuum_enabled = false)');
  await db.pool.query(`INSERT INTO accounts (email, n) SELECT 'user' || g || '@example.com', g FROM generate_series(1, ${ACCOUNTS}) g`);
  await db.pool.query(`INSERT INTO orders (account_id) SELECT 1 + g % ${ACCOUNTS} FROM generate_series(1, ${ORDERS}) g`);
});
afterAll(async () => {
  await db.drop();
});

describe('the plan on tables never analyzed', () => {
  let plan: PlanReport;
  beforeAll(async () => {
    plan = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder });
  });

  it('counts the rows of a small table exactly instead of showing none', async () => {
    // No statistics to read: pg_class.reltuples is -1 until the first VACUUM or ANALYZE.
    const { rows } = await db.pool.query<{ relname: string; reltuples: number }>("SELECT relname, reltuples FROM pg_class WHERE relname IN ('accounts', 'orders') ORDER BY 1");
    expect(rows).toEqual([
      { relname: 'accounts', reltuples: -1 },
      { relname: 'orders', reltuples: -1 },
    ]);
    const size = statement(plan, '0001_orders', 'VALIDATE CONSTRAINT').effects[0]!.size;
    expect(size).toMatchObject({ relation: 'public.orders', rows: ORDERS, rowsFrom: 'count' });
  });

  it('estimates a bigger one from its pages and the rows a page holds at its width', async () => {
    const estimated = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder, measureRates: false, exactCountMaxBytes: 0 });
    const size = statement(estimated, '0002_refunds', '"orders_account_fk2"').effects.find((e) => e.relation === 'public.accounts')!.size;
    expect(size.rowsFrom).toBe('pages');
    expect(size.rows).toBeGreaterThan(ACCOUNTS * 0.5);
    expect(size.rows).toBeLessThan(ACCOUNTS * 1.5);
  });
});

describe('the locks a migration holds', () => {
  it('reports each statement its own lock, and ACCESS EXCLUSIVE from the statement that takes it, after the weaker VALIDATE', async () => {
    const plan = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder, measureRates: false });
    const migration = plan.migrations.find((m) => m.tag === '0001_orders')!;
    expect(migration.statements.map((s) => s.effects.map((e) => [e.relation, e.lock]))).toEqual([[['public.orders', 'SHARE UPDATE EXCLUSIVE']], [['public.orders', 'ACCESS EXCLUSIVE']]]);
    const held = migration.locksHeld.find((l) => l.relation === 'public.orders');
    expect(held).toMatchObject({ lock: 'ACCESS EXCLUSIVE', fromStatement: 1, before: [{ lock: 'SHARE UPDATE EXCLUSIVE', fromStatement: 0 }] });
    // From the ADD COLUMN (catalog only) to the commit: the VALIDATE's scan is before it.
    expect(held!.estimatedMs).toBe(0);
  });
});

describe('a foreign key validated from a new table', () => {
  it('reads nothing of the referenced table: the new table is empty, so there is nothing to look up', async () => {
    const plan = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder });
    const fromNew = statement(plan, '0002_refunds', '"refunds_account_fk"');
    const accounts = fromNew.effects.find((e) => e.relation === 'public.accounts')!;
    expect(accounts).toMatchObject({ lock: 'SHARE ROW EXCLUSIVE', estimatedMs: 0 });
    expect(accounts.estimateBasis).toBe('the foreign key is checked from public.refunds, which is empty: nothing is looked up in public.accounts');
    expect(fromNew.estimatedMs).toBe(0);
    // From a table with rows, each one is looked up: the referenced table is read.
    const fromOrders = statement(plan, '0002_refunds', '"orders_account_fk2"').effects.find((e) => e.relation === 'public.accounts')!;
    expect(fromOrders.estimateBasis).toMatch(/^scan of /);
  });
});
