import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { migrate } from './index.js';

/** A statement that fails unless lock_timeout is what the test expects, so the runner's setting is read where the statements run. */
const expectLockTimeout = (value: string) =>
  `DO $$ BEGIN IF current_setting('lock_timeout') <> '${value}' THEN RAISE EXCEPTION 'lock_timeout is %', current_setting('lock_timeout'); END IF; END $$;`;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('locktimeout');
});
afterAll(async () => {
  await db.drop();
});

describe('a -- sdk:lock-timeout comment', () => {
  it('shortens the lock_timeout of its migration, never lengthens it, and leaves the next migration at the run\'s', async () => {
    const folder = await writeMigrationsFolder([
      { tag: '0000_short', sql: `-- sdk:lock-timeout 150ms\nCREATE TABLE a (id int);\n--> statement-breakpoint\n${expectLockTimeout('150ms')}` },
      { tag: '0001_longer_than_the_run', sql: `-- sdk:lock-timeout 9s\n${expectLockTimeout('2s')}` },
      { tag: '0002_plain', sql: expectLockTimeout('2s') },
    ]);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder, lockTimeoutMs: 2000 });
    expect(result.applied.map((m) => m.tag)).toEqual(['0000_short', '0001_longer_than_the_run', '0002_plain']);
  });

  it('that is not a duration stops the run before anything is applied', async () => {
    const other = await createTestDatabase('locktimeoutbad');
    try {
      const folder = await writeMigrationsFolder([{ tag: '0000_bad', sql: '-- sdk:lock-timeout soon\nCREATE TABLE b (id int);' }]);
      await expect(migrate({ databaseUrl: other.url, migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_PHASE_COMMENT', message: expect.stringContaining('is not a duration') });
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      const { rows } = await client.query("SELECT to_regclass('b') IS NULL AS absent");
      await client.end();
      expect(rows).toEqual([{ absent: true }]);
    } finally {
      await other.drop();
    }
  });
});
