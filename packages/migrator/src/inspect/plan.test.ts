import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from '../runner/index.js';
import { planMigrations } from './plan.js';
import type { PlanReport } from './types.js';
import { statement } from './__fixtures__/plan.js';

const ROWS = 50_000;

const APPLIED: MigrationSpec = {
  tag: '0000_init',
  sql: `CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" varchar(50) NOT NULL, "n" integer NOT NULL DEFAULT 0, "phone" varchar(20));
--> statement-breakpoint
CREATE TABLE "orders" ("id" serial PRIMARY KEY, "account_id" integer NOT NULL, "amount" integer);
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_account_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") NOT VALID;`,
};

const PENDING: MigrationSpec[] = [
  {
    tag: '0001_expand',
    sql: `ALTER TABLE "accounts" ADD COLUMN "status" text;
--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "phone" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "n" SET DATA TYPE bigint;
--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "code" SET DATA TYPE varchar(20);
--> statement-breakpoint
CREATE INDEX "accounts_email_idx" ON "accounts" ("email");
--> statement-breakpoint
ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_account_fk";`,
  },
  {
    tag: '0002_invoices',
    sql: `CREATE TABLE "invoices" ("id" serial PRIMARY KEY, "account_id" integer REFERENCES "accounts"("id"));
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "orders_amount_idx" ON "orders" ("amount");
--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "total" bigint;
--> statement-breakpoint
CREATE INDEX "events_at_idx" ON "events" ("at");`,
  },
];

let db: TestDatabase;
let folder: string;

beforeAll(async () => {
  db = await createTestDatabase('plan');
  folder = await writeMigrationsFolder([APPLIED, ...PENDING]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_init' });
  await db.pool.query(`INSERT INTO accounts (email, n, phone) SELECT 'user' || g || '@example.com', g, '555-' || g FROM generate_series(1, ${ROWS}) g`);
  await db.pool.query(`INSERT INTO orders (account_id, amount) SELECT g, g FROM generate_series(1, ${ROWS}) g`);
  // Facts only the live database knows (changed outside the migrations folder): a varchar column,
  // and a validated CHECK that proves phone NOT NULL.
  await db.pool.query('ALTER TABLE accounts ADD COLUMN code varchar(10)');
  await db.pool.query('ALTER TABLE accounts ADD CONSTRAINT accounts_phone_not_null CHECK (phone IS NOT NULL)');
  await db.pool.query(`CREATE TABLE events (id integer, at date) PARTITION BY RANGE (at);
    CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    INSERT INTO events SELECT g, date '2023-01-01' + (g % 700) FROM generate_series(1, 20000) g`);
  await db.pool.query('ANALYZE accounts; ANALYZE orders; ANALYZE events');
});
afterAll(async () => {
  await db.drop();
});

describe('planMigrations on a database with rows', () => {
  let plan: PlanReport;
  beforeAll(async () => {
    plan = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder });
    if (process.env.SDK_PRINT_PLAN) console.log(JSON.stringify({ durationMs: plan.durationMs, rates: plan.rates, estimates: plan.migrations.flatMap((m) => m.statements.map((s) => [s.sql.slice(0, 50), s.estimatedMs, s.effects.map((e) => e.estimateBasis)])) }, null, 1));
  });

  it('lists the pending migrations in order with the server version', () => {
    expect(plan.migrations.map((m) => m.tag)).toEqual(['0001_expand', '0002_invoices']);
    expect(plan.serverVersion).toMatch(/^\d+/);
    expect(plan.pgVersion).toBeGreaterThanOrEqual(10);
    expect(plan.target).toContain(':****@');
  });

  it('shows a rewrite with the lock, the live size of the table and an estimate from the measured rate', () => {
    const alter = statement(plan, '0001_expand', '"n" SET DATA TYPE bigint');
    const [effect] = alter.effects;
    expect(effect).toMatchObject({ relation: 'public.accounts', lock: 'ACCESS EXCLUSIVE', rewrite: true, blocks: 'blocks every read and write' });
    expect(effect!.size.exists).toBe(true);
    expect(effect!.size.rows).toBeGreaterThan(ROWS * 0.9);
    expect(effect!.size.totalBytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(effect!.estimatedMs).toBeGreaterThan(0);
    expect(effect!.estimateBasis).toMatch(/^rewrite of [\d.]+ MB at .+\/s$/);
    expect(alter.estimatedMs).toBe(effect!.estimatedMs);
  });

  it('shows an index build taking SHARE (blocking writes) with a scan estimate and the lint error', () => {
    const index = statement(plan, '0001_expand', 'CREATE INDEX "accounts_email_idx"');
    expect(index.effects[0]).toMatchObject({ lock: 'SHARE', scan: true, rewrite: false });
    expect(index.effects[0]!.blocks).toContain('blocks every write');
    expect(index.estimatedMs).toBeGreaterThan(0);
    expect(index.violations.map((v) => v.rule)).toContain('creating-index-non-concurrently');
    expect(plan.errors).toBeGreaterThan(0);
  });

  it('marks a catalog-only change as instant once the lock is granted', () => {
    const add = statement(plan, '0001_expand', 'ADD COLUMN "status"');
    expect(add.effects[0]).toMatchObject({ lock: 'ACCESS EXCLUSIVE', rewrite: false, scan: false, estimatedMs: 0 });
    expect(add.estimatedMs).toBe(0);
  });

  it('judges with the live database: a widened varchar keeps its rows, and a validated CHECK spares SET NOT NULL its scan', () => {
    // Neither fact is in the migrations folder: both were made directly on the database.
    expect(statement(plan, '0001_expand', '"code" SET DATA TYPE varchar(20)').effects[0]).toMatchObject({ rewrite: false, scan: false });
    expect(statement(plan, '0001_expand', '"phone" SET NOT NULL').effects[0]).toMatchObject({ lock: 'ACCESS EXCLUSIVE', scan: false });
  });

  it('shows VALIDATE CONSTRAINT scanning under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue', () => {
    const validate = statement(plan, '0001_expand', 'VALIDATE CONSTRAINT');
    expect(validate.effects[0]).toMatchObject({ relation: 'public.orders', lock: 'SHARE UPDATE EXCLUSIVE', scan: true });
    expect(validate.estimatedMs).toBeGreaterThan(0);
  });

  it('marks tables created by a pending migration as new and empty, and concurrent builds as outside a transaction', () => {
    const total = statement(plan, '0002_invoices', 'ADD COLUMN "total"');
    expect(total.effects[0]!.size).toMatchObject({ exists: false, createdBy: '0002_invoices' });
    expect(total.estimatedMs).toBe(0);
    const fk = statement(plan, '0002_invoices', 'CREATE TABLE "invoices"');
    expect(fk.effects).toEqual([expect.objectContaining({ relation: 'public.accounts', lock: 'SHARE ROW EXCLUSIVE' })]);
    const concurrent = statement(plan, '0002_invoices', 'CONCURRENTLY');
    expect(concurrent).toMatchObject({ transactional: false });
    expect(concurrent.effects[0]).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', scan: true });
  });

  it('sizes a partitioned table by its partitions', () => {
    const size = statement(plan, '0002_invoices', '"events_at_idx"').effects[0]!.size;
    expect(size).toMatchObject({ relation: 'public.events', exists: true, kind: 'partitioned table', rows: 20_000 });
    expect(size.tableBytes).toBeGreaterThan(500 * 1024);
  });

  it('holds every lock of a migration until its transaction commits', () => {
    const held = plan.migrations[0]!.locksHeld.find((l) => l.relation === 'public.accounts');
    expect(held).toMatchObject({ lock: 'ACCESS EXCLUSIVE', fromStatement: 0 });
    // From the first statement to the commit: the rewrite and the index build are inside it.
    expect(held!.estimatedMs).toBe(plan.migrations[0]!.statements.reduce((sum, s) => sum + (s.estimatedMs ?? 0), 0));
  });

  it('reports the rates it measured on this server', () => {
    expect(plan.rates).not.toBeNull();
    for (const rate of [plan.rates!.scan, plan.rates!.indexBuild, plan.rates!.rewrite]) {
      expect(rate.bytesPerSecond).toBeGreaterThan(0);
      expect(rate.rowsPerSecond).toBeGreaterThan(0);
    }
    expect(plan.rates!.measuredMs).toBeGreaterThan(0);
    expect(plan.estimatedMs).toBeGreaterThan(0);
  });
});

describe('who holds locks on the touched tables right now', () => {
  const sessions: pg.Client[] = [];
  afterAll(async () => {
    for (const client of sessions) await client.end().catch(() => {});
  });
  async function session(name: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: db.url, application_name: name });
    client.on('error', () => {});
    await client.connect();
    sessions.push(client);
    return client;
  }

  it('shows a session idle in transaction holding a lock, and one queued behind it', async () => {
    const idle = await session('report worker');
    await idle.query('BEGIN');
    await idle.query('SELECT count(*) FROM orders');
    const waiter = await session('deploy');
    const waiterPid = (await waiter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // Queues behind the idle session's ACCESS SHARE lock; the plan's own size lookups then queue behind it.
    await waiter.query('BEGIN');
    const waiting = waiter.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE').catch(() => {});
    await expect.poll(async () => (await db.pool.query('SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted', [waiterPid])).rowCount, { timeout: 5_000 }).toBe(1);

    const plan = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder, measureRates: false });

    const idlePid = (idle as unknown as { processID: number }).processID;
    const holder = plan.lockHolders.find((s) => s.pid === idlePid);
    expect(holder).toMatchObject({ application: 'report worker', idleInTransaction: true, holding: true, waiting: false });
    expect(holder!.locks).toContainEqual({ relation: 'public.orders', mode: 'ACCESS SHARE', granted: true });
    expect(holder!.query).toContain('SELECT count(*) FROM orders');
    const queued = plan.lockHolders.find((s) => s.pid === waiterPid);
    expect(queued).toMatchObject({ application: 'deploy', waiting: true });
    expect(queued!.locks).toContainEqual({ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE', granted: false });
    // The table is locked: its size comes from pg_class instead of waiting.
    const orders = statement(plan, '0001_expand', 'VALIDATE CONSTRAINT').effects[0]!.size;
    expect(orders.sizeNote).toMatch(/locked by another session/);
    expect(plan.rates).toBeNull();

    await idle.query('ROLLBACK');
    await waiting;
    await waiter.query('ROLLBACK').catch(() => {});
  });
});

describe('nothing pending', () => {
  it('returns an empty plan without measuring', async () => {
    const other = await createTestDatabase('plan_empty');
    try {
      const only = await writeMigrationsFolder([APPLIED]);
      await migrate({ databaseUrl: other.url, migrationsFolder: only });
      const plan = await planMigrations({ databaseUrl: other.url, migrationsFolder: only });
      expect(plan).toMatchObject({ migrations: [], rates: null, errors: 0, estimatedMs: 0, lockHolders: [] });
    } finally {
      await other.drop();
    }
  });
});
