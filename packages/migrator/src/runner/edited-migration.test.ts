import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate } from './index.js';
import type { RunnerEvent } from './types.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const SETUP: MigrationSpec[] = [{ tag: '0000_t', sql: 'CREATE TABLE "t" ("id" int PRIMARY KEY, "v" int, "owner" int);' }];
const CIC = 'CREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");';
const BROKEN = `${CIC}\n--> statement-breakpoint\nALTER TABLE "t" ADD CONSTRAINT "t_owner_fk" FOREIGN KEY ("owner") REFERENCES "owners" ("id");`;
const FIXED = `${CIC}\n--> statement-breakpoint\nCREATE TABLE "owners" ("id" int PRIMARY KEY);\n--> statement-breakpoint\nALTER TABLE "t" ADD CONSTRAINT "t_owner_fk" FOREIGN KEY ("owner") REFERENCES "owners" ("id");`;

/** A database where 0001 failed after its concurrent step completed. */
async function partlyApplied(): Promise<{ db: TestDatabase; folder: string }> {
  const db = await createTestDatabase('edit');
  dbs.push(db);
  const folder = await writeMigrationsFolder([...SETUP, { tag: '0001_fk', sql: BROKEN }]);
  await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_MIGRATION_FAILED', tag: '0001_fk', statementIndex: 1 });
  return { db, folder };
}

/** How many times the CIC ran: each build is a new index (a new relfilenode and oid). */
async function indexOid(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query("SELECT 't_v_idx'::regclass::oid::int AS oid");
  return rows[0].oid;
}

describe('a migration that failed after its concurrent step, then fixed', () => {
  it('keeps the completed statement done and runs the edited one in its new form', async () => {
    const { db, folder } = await partlyApplied();
    const oid = await indexOid(db);
    await writeMigrationsFolder([...SETUP, { tag: '0001_fk', sql: FIXED }], folder);
    const events: RunnerEvent[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, onEvent: (e) => events.push(e) });
    expect(result.applied).toMatchObject([{ tag: '0001_fk', resumed: true }]);
    expect(events).toContainEqual({ type: 'progress-remapped', tag: '0001_fk', kept: 1, rerun: 2 });
    expect(events.filter((e) => e.type === 'statement-start').map((e) => e.type === 'statement-start' && e.index)).toEqual([1, 2]);
    expect(await indexOid(db)).toBe(oid);
    const { rows } = await db.pool.query("SELECT hash FROM sdk_migrator.migrations WHERE tag = '0001_fk'");
    expect(rows).toHaveLength(1);
    const { rows: progress } = await db.pool.query('SELECT count(*)::int AS n FROM sdk_migrator.progress');
    expect(progress[0].n).toBe(0);
  });

  it('refuses an edit of the statement that completed, naming it and the ways out', async () => {
    const { db, folder } = await partlyApplied();
    const edited = FIXED.replace('("v")', '("v", "id")');
    await writeMigrationsFolder([...SETUP, { tag: '0001_fk', sql: edited }], folder);
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CHECKSUM' });
    expect((error as Error).message).toContain('statement 1 completed before the file was edited, and its text changed (line 1)');
    expect((error as { hint: string }).hint).toContain('`sdk db migrate` with `resetProgress` 0001_fk');
    // Nothing ran: the index is the first build's, the table still has no foreign key.
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 't_owner_fk'");
    expect(rows[0].n).toBe(0);
  });

  it('with --reset-progress, runs the whole edited file again after the user undid what had run', async () => {
    const { db, folder } = await partlyApplied();
    await db.pool.query('DROP INDEX t_v_idx');
    const edited = FIXED.replace('("v")', '("v", "id")');
    await writeMigrationsFolder([...SETUP, { tag: '0001_fk', sql: edited }], folder);
    const events: RunnerEvent[] = [];
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, resetProgress: ['0001_fk'], onEvent: (e) => events.push(e) });
    expect(events).toContainEqual({ type: 'progress-reset', tag: '0001_fk', statements: 1 });
    const { rows } = await db.pool.query("SELECT pg_get_indexdef('t_v_idx'::regclass) AS def");
    expect(rows[0].def).toContain('(v, id)');
  });

  it('refuses --reset-progress for a migration with nothing recorded or already applied', async () => {
    const { db, folder } = await partlyApplied();
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder, resetProgress: ['0000_t'] })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(migrate({ databaseUrl: db.url, migrationsFolder: folder, resetProgress: ['nope'] })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});
