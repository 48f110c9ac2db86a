import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import type { MigrationInterruptedError } from '../errors.js';
import { migrate } from './index.js';
import { status } from '../status.js';
import type { RunnerEvent } from './types.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const MIGRATIONS: MigrationSpec[] = [
  { tag: '0000_t', sql: 'CREATE TABLE "t" ("id" int PRIMARY KEY);' },
  { tag: '0001_slow', sql: 'ALTER TABLE "t" ADD COLUMN "a" int;\n--> statement-breakpoint\nSELECT pg_sleep(30);' },
  { tag: '0002_after', sql: 'ALTER TABLE "t" ADD COLUMN "b" int;' },
];

describe('a run interrupted by a signal (Ctrl-C)', () => {
  it('cancels the running statement, rolls back its transaction, records the run as interrupted, and resumes next time', async () => {
    const db = await createTestDatabase('interrupt');
    dbs.push(db);
    const folder = await writeMigrationsFolder(MIGRATIONS);
    const stop = new AbortController();
    const events: RunnerEvent[] = [];
    const running = migrate({
      databaseUrl: db.url,
      migrationsFolder: folder,
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'statement-start' && e.sql.startsWith('SELECT pg_sleep')) setTimeout(() => stop.abort('SIGINT'), 200);
      },
    }).catch((e: unknown) => e);
    const error = (await running) as MigrationInterruptedError;
    expect(error).toMatchObject({ code: 'E_INTERRUPTED', applied: ['0000_t'], rolledBack: { tag: '0001_slow', statement: 1, transactional: true } });
    expect(error.message).toBe(
      'interrupted by SIGINT: 0001_slow statement 2 was cancelled and its transaction rolled back; applied before it: 0000_t',
    );
    const { rows: columns } = await db.pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a'");
    expect(columns[0].n).toBe(0);
    const { rows: history } = await db.pool.query('SELECT outcome, error FROM sdk_migrator.history ORDER BY id DESC LIMIT 1');
    expect(history[0]).toMatchObject({ outcome: 'interrupted', error: expect.stringContaining('interrupted by SIGINT') });
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.lastRun?.outcome).toBe('interrupted');
    expect(report.migrations.map((m) => m.state)).toEqual(['applied', 'pending', 'pending']);
    expect(events.some((e) => e.type === 'retry')).toBe(false);
    // The next run (the slow step now quick) applies what was left.
    await writeMigrationsFolder([MIGRATIONS[0]!, { tag: '0001_slow', sql: 'ALTER TABLE "t" ADD COLUMN "a" int;\n--> statement-breakpoint\nSELECT pg_sleep(0);' }, MIGRATIONS[2]!], folder);
    const rest = await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    expect(rest.applied.map((a) => a.tag)).toEqual(['0001_slow', '0002_after']);
  }, 60_000);
});
