import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { backfill } from '../../backfill/index.js';
import type { BackfillStep, OperationPlan, SqlStep } from '../types.js';

/** The SQL of a plan's expand steps, in order. */
export const expandSql = (plan: OperationPlan) => plan.steps.filter((s): s is SqlStep => s.kind === 'sql' && s.phase === 'expand').map((s) => s.sql);
/** A plan's backfill step. */
export const backfillStep = (plan: OperationPlan) => plan.steps.find((s): s is BackfillStep => s.kind === 'backfill')!;

/**
 * Call at the top of a test file of the sync trigger: a database of its own and one client on it
 * for the file's tests, dropped after. `q` runs SQL and returns its rows; `runBackfill` runs a
 * plan's backfill step with the engine, in batches of `maxRowsPerBatch`, flat out.
 */
export function syncTriggerDatabase(prefix: string) {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase(prefix);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });
  return {
    get client() {
      return client;
    },
    q: async (sql: string) => (await client.query(sql)).rows,
    runBackfill: (plan: OperationPlan, maxRowsPerBatch: number) => {
      const step = backfillStep(plan);
      return backfill(db.url, { table: step.table, set: step.set, where: step.where, maxRowsPerBatch, throttle: false });
    },
  };
}
