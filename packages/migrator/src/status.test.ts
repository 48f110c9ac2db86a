import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { migrate } from './data-migrations/index.js';
import { addIndex, addRequiredColumn } from './operations/index.js';
import { rollbackOperation, writeOperation } from './phased/index.js';
import { status } from './status.js';

let db: TestDatabase;
let data: string;
beforeAll(async () => {
  db = await createTestDatabase('status_ops');
  data = await mkdtemp(join(tmpdir(), 'sdk-status-data-'));
});
afterAll(async () => {
  await db.drop();
  await rm(data, { recursive: true, force: true });
});

describe('status reports each expand/contract operation and the phase it stands in', () => {
  it('not started, expanded with its backfill done, rolled back, expanded again, contracted', async () => {
    const folder = await writeMigrationsFolder([
      { tag: '0000_init', sql: "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);\n--> statement-breakpoint\nINSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 500) g;" },
    ]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const plan = addRequiredColumn.plan(await addRequiredColumn.resolve(client, { table: 'items', column: 'status', type: 'text', backfill: "'legacy'" }));
      await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'add_status', command: 'test' });
      const index = addIndex.plan(await addIndex.resolve(client, { table: 'items', columns: 'name' }));
      await writeOperation(index, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'index_name', command: 'test' });
    } finally {
      await client.end();
    }
    const report = () => status({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    const opOf = async (name: string) => (await report()).operations?.find((o) => o.name === name);

    expect(await opOf('add_status')).toMatchObject({ kind: 'add-required-column', summary: 'add public.items.status text NOT NULL', state: 'not-started', backfill: 'pending', rolledBackAt: null });
    // No default: a catch-up pass runs after the first contract migration, for rows the old version wrote since.
    expect((await opOf('add_status'))!.dataMigrations).toEqual(['0001_add_status_backfill', '0002_add_status_backfill_2']);

    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
    const expanded = await opOf('add_status');
    expect(expanded).toMatchObject({ state: 'expanded', backfill: 'done' });
    expect(expanded!.migrations.map((m) => [m.phase, m.applied])).toEqual([['expand', true], ['contract', false], ['contract', false], ['contract', false]]);
    // The index has no contract step: expanded is where it ends. Nothing after the first contract ran.
    expect(await opOf('index_name')).toMatchObject({ state: 'not-started', backfill: 'none' });

    await rollbackOperation({ databaseUrl: db.url, migrationsFolder: folder, name: 'add_status' });
    expect(await opOf('add_status')).toMatchObject({ state: 'rolled-back', backfill: 'pending', rolledBackAt: expect.any(String) });

    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
    expect(await opOf('add_status')).toMatchObject({ state: 'expanded', backfill: 'done' });

    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    const done = await report();
    expect(done.operations?.map((o) => [o.name, o.state])).toEqual([['add_status', 'contracted'], ['index_name', 'expanded']]);
    expect(done.needsAttention).toBe(false);
  });

  it('leaves operations out when no operation wrote a file of the folder', async () => {
    const folder = await writeMigrationsFolder([{ tag: '0000_plain', sql: 'CREATE TABLE plain (id int);' }]);
    expect((await status({ databaseUrl: db.url, migrationsFolder: folder })).operations).toBeUndefined();
  });
});
