import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from '@big0290/migrator';
import { pgDumpMajor } from '@big0290/migrator/inspect';
import { passwordRoleUrl, sdk } from './__fixtures__/sdk.js';

const ROLE = 'sdk_plan_cli';
const PASSWORD = 'pl4n-s3cr3t-QRS';


const INIT: MigrationSpec = {
  tag: '0000_init',
  sql: 'CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" text NOT NULL, "n" integer NOT NULL DEFAULT 0);',
};

let db: TestDatabase;
let url: string;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('cli_plan');
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  // A role with a distinctive password, to check it never leaks; CREATEDB for the trace's scratch database.
  url = await passwordRoleUrl(admin, db.url, ROLE, PASSWORD);
  const folder = await writeMigrationsFolder([INIT]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder });
  await db.pool.query("INSERT INTO accounts (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 20000) g; ANALYZE accounts");
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

describe('sdk db plan', () => {
  it('--json prints the plan: locks, table sizes, estimates and lint findings; exit 1 on a lint error; no password', async () => {
    const folder = await writeMigrationsFolder([
      INIT,
      { tag: '0001_index', sql: 'ALTER TABLE "accounts" ALTER COLUMN "n" SET DATA TYPE bigint;\n--> statement-breakpoint\nCREATE INDEX "accounts_email_idx" ON "accounts" ("email");' },
    ]);
    const run = await sdk(['db', 'plan', '--json', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(run.stdout).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain(PASSWORD);
    expect(run.code).toBe(1);
    const plan = JSON.parse(run.stdout);
    expect(plan.target).toContain(`${ROLE}:****@`);
    expect(plan.trace).toBeNull();
    expect(plan.migrations.map((m: { tag: string }) => m.tag)).toEqual(['0001_index']);
    const [alter, index] = plan.migrations[0].statements;
    expect(alter.effects[0]).toMatchObject({ relation: 'public.accounts', lock: 'ACCESS EXCLUSIVE', rewrite: true, size: { exists: true, rows: 20000 } });
    expect(alter.estimatedMs).toBeGreaterThan(0);
    expect(index.effects[0]).toMatchObject({ lock: 'SHARE', scan: true });
    expect(index.violations.map((v: { rule: string }) => v.rule)).toContain('creating-index-non-concurrently');
    expect(plan.rates.rewrite.bytesPerSecond).toBeGreaterThan(0);
    expect(plan.errors).toBeGreaterThanOrEqual(1);
  });

  it('--trace on a safe migration: the locks observed agree, exit 0, and a readable report', async () => {
    const folder = await writeMigrationsFolder([
      INIT,
      { tag: '0001_safe', sql: 'ALTER TABLE "accounts" ADD COLUMN "status" text;\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "accounts_email_idx" ON "accounts" ("email");' },
    ]);
    const json = await sdk(['db', 'plan', '--trace', '--json', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    // pg_dump when one that fits the server is installed, else the replay of the applied migrations.
    const dump = await pgDumpMajor('pg_dump');
    const usable = typeof dump === 'number' && dump >= Number.parseInt(plan.serverVersion, 10);
    expect(plan.trace).toMatchObject({ disagreements: [], failures: 0, scratchDropped: true, schemaCopy: { method: usable ? 'pg_dump' : 'replay' } });
    expect(plan.trace.migrations[0].statements.map((s: { status: string }) => s.status)).toEqual(['traced', 'not-traced']);
    // This trace's own scratch database, by name: the migrator's suite traces on the same server meanwhile.
    expect(plan.trace.scratchDatabase).toMatch(/^sdk_trace_/);
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [plan.trace.scratchDatabase]);
    expect(rows).toEqual([]);

    const pretty = await sdk(['db', 'plan', '--trace', '--migrations', folder], { env: { DATABASE_URL: url } });
    if (process.env.SDK_PRINT_PLAN) console.log(pretty.stdout, pretty.stderr);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toContain('0001_safe');
    expect(pretty.stdout).toMatch(/ADD COLUMN "status" text\s+public\.accounts\s+ACCESS EXCLUSIVE\s+reads, writes\s+-\s+20,000/);
    expect(pretty.stdout).toContain('runs outside a transaction');
    expect(pretty.stdout).toMatch(/agrees/);
    expect(pretty.stdout).toContain('trace: 0 disagreement(s), 0 failure(s).');
    expect(pretty.stdout + pretty.stderr).not.toContain(PASSWORD);
  });

  it('a VALIDATE then an ADD COLUMN: the lock line says ACCESS EXCLUSIVE starts at the ADD COLUMN; a table never analyzed shows its rows, not ?', async () => {
    // autovacuum kept away: pg_class.reltuples stays -1 (never analyzed) while the test runs.
    await db.pool.query(`CREATE TABLE payments (id serial PRIMARY KEY, account_id integer NOT NULL) WITH (autovacuum_enabled = false);
      INSERT INTO payments (account_id) SELECT 1 + g % 20000 FROM generate_series(1, 1234) g;
      ALTER TABLE payments ADD CONSTRAINT payments_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID`);
    try {
      const folder = await writeMigrationsFolder([
        INIT,
        { tag: '0001_payments', sql: 'ALTER TABLE "payments" VALIDATE CONSTRAINT "payments_account_fk";\n--> statement-breakpoint\nALTER TABLE "payments" ADD COLUMN "note" text;' },
      ]);
      const run = await sdk(['db', 'plan', '--migrations', folder], { env: { DATABASE_URL: url } });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/VALIDATE CONSTRAINT "pay…\s+public\.payments\s+SHARE UPDATE EXCLUSIVE\s+DDL, VACUUM\s+scan\s+1,234\s/);
      expect(run.stdout).toMatch(/ADD COLUMN "note" text\s+public\.payments\s+ACCESS EXCLUSIVE\s+reads, writes\s+-\s+1,234\s/);
      expect(run.stdout).toMatch(
        /ACCESS EXCLUSIVE on public\.payments is held from line 3 until the migration commits \(instant\): it blocks every read and write\. Before that: SHARE UPDATE EXCLUSIVE from line 1 \(it blocks VACUUM, ANALYZE and other schema changes; reads and writes continue\)\./,
      );
      expect(run.stdout).not.toContain('held from line 1');
    } finally {
      await db.pool.query('DROP TABLE payments');
    }
  });

  it('with nothing pending says so and exits 0', async () => {
    const folder = await writeMigrationsFolder([INIT]);
    const run = await sdk(['db', 'plan', '--migrations', folder], { env: { DATABASE_URL: url } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Nothing pending');
  });
});
