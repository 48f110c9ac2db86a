import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, oneVerifyingFileAtATime, TURN_TIMEOUT_MS, type MigrationSpec, type SnapshotColumn, type TestDatabase } from '@big0290/testing';

/** The table every deploy test starts from, with its drizzle-kit snapshot columns. */
export const ACCOUNTS: SnapshotColumn[] = [
  ['id', 'integer', true, true],
  ['email', 'text', true],
];
export const CREATE_ACCOUNTS: MigrationSpec = { tag: '0000_accounts', sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY NOT NULL, "email" text NOT NULL);', tables: { accounts: ACCOUNTS } };

/**
 * For a test file of deploys: takes the file's turn among those that verify backups (they restore
 * into scratch databases on the same server), and drops what `setup` made when the file ends.
 * `setup(prefix)` gives a database of its own and a backup folder; `later(fn)` adds to what is
 * cleaned up.
 */
export function deployDatabases(folderPrefix: string): {
  setup: (prefix: string) => Promise<{ db: TestDatabase; backupDir: string }>;
  later: (fn: () => Promise<unknown>) => void;
} {
  let endTurn: () => Promise<void>;
  const cleanup: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    endTurn = await oneVerifyingFileAtATime();
  }, TURN_TIMEOUT_MS);
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
    await endTurn?.();
  });
  return {
    async setup(prefix) {
      const db = await createTestDatabase(prefix);
      const backupDir = await mkdtemp(join(tmpdir(), folderPrefix));
      cleanup.push(() => db.drop(), () => rm(backupDir, { recursive: true, force: true }));
      return { db, backupDir };
    },
    later: (fn) => void cleanup.push(fn),
  };
}
