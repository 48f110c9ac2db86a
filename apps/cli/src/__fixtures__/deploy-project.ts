import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, oneVerifyingFileAtATime, TURN_TIMEOUT_MS, writeMigrationsFolder, type MigrationSpec, type SnapshotColumn, type TestDatabase } from '@big0290/testing';
import { migrate } from '@big0290/migrator';
import { passwordRoleUrl } from './sdk.js';

/** The table the `sdk db deploy` tests start from, with its drizzle-kit snapshot columns. */
export const ACCOUNTS: SnapshotColumn[] = [
  ['id', 'integer', true, true],
  ['email', 'text', true],
];
export const CREATE_ACCOUNTS: MigrationSpec = { tag: '0000_accounts', sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY NOT NULL, "email" text NOT NULL);', tables: { accounts: ACCOUNTS } };
export const ADD_NAME: MigrationSpec = { tag: '0001_name', sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;', tables: { accounts: [...ACCOUNTS, ['name', 'text', false]] } };

export interface DeployProject {
  db: TestDatabase;
  /** The database's URL, logged in as the file's password role. */
  url: string;
  folder: string;
  backupDir: string;
}

/**
 * Call at the top of a test file of `sdk db deploy` runs: takes the file's turn among those that
 * verify backups (they restore into scratch databases on the same server), and drops what it made
 * when the file ends. `project(name)` gives a database with 0000 applied and 0001 (or `pending`)
 * waiting, its migrations folder, an empty backup folder, and the URL of `role` (a superuser with
 * `password`, which must never be printed: give each file a role of its own, see passwordRole).
 */
export function deployProjects(role: string, password: string): (name: string, pending?: MigrationSpec) => Promise<DeployProject> {
  let endTurn: () => Promise<void>;
  let admin: pg.Client | undefined;
  let work: string | undefined;
  const databases: TestDatabase[] = [];
  beforeAll(async () => {
    endTurn = await oneVerifyingFileAtATime();
    work = await mkdtemp(join(tmpdir(), 'sdk-cli-deploy-'));
  }, TURN_TIMEOUT_MS);
  afterAll(async () => {
    await admin?.end().catch(() => {});
    for (const db of databases) await db.drop().catch(() => {});
    if (work) await rm(work, { recursive: true, force: true });
    await endTurn?.();
  });
  return async (name, pending = ADD_NAME) => {
    const db = await createTestDatabase(name);
    databases.push(db);
    if (!admin) {
      admin = new pg.Client({ connectionString: db.adminUrl });
      await admin.connect();
    }
    const url = await passwordRoleUrl(admin, db.url, role, password);
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, pending]);
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: CREATE_ACCOUNTS.tag });
    const backupDir = await mkdtemp(join(work!, `${name}-backups-`));
    return { db, url, folder, backupDir };
  };
}
