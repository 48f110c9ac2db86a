import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { migrate } from '../runner/index.js';
import { planMigrations } from './plan.js';
import type { PlanReport } from './types.js';
import { statement } from './__fixtures__/plan.js';

let db: TestDatabase;
let plan: PlanReport;

beforeAll(async () => {
  db = await createTestDatabase('plan_data');
  const applied = { tag: '0000_init', sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "status" text, "pad" text);' };
  await migrate({ databaseUrl: db.url, migrationsFolder: await writeMigrationsFolder([applied]) });
  await db.pool.query("INSERT INTO users (status, pad) SELECT CASE WHEN g % 20 = 0 THEN NULL ELSE 'active' END, repeat('x', 100) FROM generate_series(1, 100000) g; ANALYZE users");
  const folder = await writeMigrationsFolder([
    applied,
    {
      tag: '0001_data',
      sql: `UPDATE "users" SET "status" = 'active' WHERE "status" IS NULL;
--> statement-breakpoint
DELETE FROM "users";`,
    },
  ]);
  plan = await planMigrations({ databaseUrl: db.url, migrationsFolder: folder });
});
afterAll(async () => {
  await db.drop();
});

describe('a data change in a migration', () => {
  it('is costed by the rows it matches (PostgreSQL\'s estimate), not called instant', () => {
    const update = statement(plan, '0001_data', 'UPDATE');
    const basis = update.effects[0]!.estimateBasis;
    const rows = Number(/~([\d,]+) rows/.exec(basis)![1]!.replace(/,/g, ''));
    // 5,000 rows have a NULL status: the planner's estimate is near that.
    expect(rows).toBeGreaterThan(2_500);
    expect(rows).toBeLessThan(10_000);
    expect(basis).toMatch(/^updates ~[\d,]+ rows \(PostgreSQL's estimate of the rows it matches\), .* every matched row locked until commit$/);
    expect(update.estimatedMs).toBeGreaterThan(0);
    const all = statement(plan, '0001_data', 'DELETE');
    expect(all.effects[0]!.estimateBasis).toMatch(/^deletes ~100,000 rows/);
    expect(all.estimatedMs!).toBeGreaterThan(update.estimatedMs!);
  });
});
