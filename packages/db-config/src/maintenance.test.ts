import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { setMaintenance } from '@big0290/migrator';
import { createDb, isMaintenanceMode, MAINTENANCE_CACHE_MS, type Database } from './index.js';

describe('isMaintenanceMode', () => {
  let test: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    test = await createTestDatabase('dbconfig_maint');
    db = createDb(test.url);
  });
  afterAll(async () => {
    await db.$client.end();
    await test.drop();
  });

  it('is false while the flag\'s table does not exist yet (the query does not fail, so nothing is logged)', async () => {
    expect(await isMaintenanceMode(test.pool, { maxAgeMs: 0 })).toBe(false);
  });

  it('round trip: sdk turns it on, the application sees it within a second from one cached query, then off', async () => {
    expect(await isMaintenanceMode(db)).toBe(false);
    await setMaintenance({ databaseUrl: test.url, enabled: true, message: 'Back soon' });
    // The answer of a moment ago is reused while it is younger than maxAgeMs (a long one here,
    // so a slow machine cannot age it)...
    expect(await isMaintenanceMode(db, { maxAgeMs: 60_000 })).toBe(false);
    // ... and asked again once it is older than a second (the default).
    await new Promise((r) => setTimeout(r, MAINTENANCE_CACHE_MS + 50));
    expect(await isMaintenanceMode(db)).toBe(true);
    // A pg Pool or Client works too: a Drizzle client is read through its pool.
    expect(await isMaintenanceMode(test.pool, { maxAgeMs: 0 })).toBe(true);
    const client = new pg.Client({ connectionString: test.url });
    await client.connect();
    expect(await isMaintenanceMode(client)).toBe(true);
    await client.end();
    await setMaintenance({ databaseUrl: test.url, enabled: false });
    expect(await isMaintenanceMode(db, { maxAgeMs: 0 })).toBe(false);
  });

  it('asks the database once per second however often it is called', async () => {
    const pool = new pg.Pool({ connectionString: test.url });
    let queries = 0;
    const counting = { query: (text: string) => ((queries += 1), pool.query(text)) } as unknown as pg.Pool;
    await Promise.all(Array.from({ length: 50 }, () => isMaintenanceMode(counting)));
    expect(queries).toBe(1);
    await pool.end();
  });
});
