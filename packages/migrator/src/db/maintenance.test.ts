import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { maintenanceStatus, setMaintenance } from './maintenance.js';
import { METADATA_VERSION } from './metadata-migrations.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

describe('the maintenance flag', () => {
  it('is off on a database no sdk command wrote to, and reading it creates nothing', async () => {
    const db = await createTestDatabase('maint');
    dbs.push(db);
    expect(await maintenanceStatus({ databaseUrl: db.url })).toMatchObject({ enabled: false, message: null, changedAt: null, changedBy: null });
    expect((await db.pool.query("SELECT to_regnamespace('sdk_migrator') AS s")).rows[0].s).toBeNull();
  });

  it('round trip: on with a message and who set it, then off; the metadata schema is brought up to date first', async () => {
    const db = await createTestDatabase('maint');
    dbs.push(db);
    const on = await setMaintenance({ databaseUrl: db.url, enabled: true, message: 'Back at 02:30 UTC', user: 'ada', host: 'deploy-1' });
    expect(on).toMatchObject({ enabled: true, message: 'Back at 02:30 UTC', changedBy: { dbUser: 'postgres', osUser: 'ada', host: 'deploy-1' } });
    expect(Date.now() - Date.parse(on.changedAt!)).toBeLessThan(60_000);
    expect(await maintenanceStatus({ databaseUrl: db.url })).toEqual(on);
    expect((await db.pool.query('SELECT max(version) AS v FROM sdk_migrator.schema_version')).rows[0].v).toBe(METADATA_VERSION);
    const off = await setMaintenance({ databaseUrl: db.url, enabled: false, message: 'ignored when off' });
    expect(off).toMatchObject({ enabled: false, message: null, changedBy: { dbUser: 'postgres' } });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM sdk_migrator.maintenance')).rows[0].n).toBe(1);
  });
});
