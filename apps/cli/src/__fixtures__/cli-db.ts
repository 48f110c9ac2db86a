import { expect, afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { passwordRole, type Run } from './sdk.js';

/** The password of the sdk_cli role the CLI tests log in as, to check it never leaks. */
export const PASSWORD = 's3cr3t-pw-XYZ';

export const MIGRATIONS: MigrationSpec[] = [
  { tag: '0000_init', sql: 'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" text);' },
  { tag: '0001_phone', sql: 'ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20);\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "users_phone_idx" ON "auth"."users" ("phone_number");' },
  { tag: '0002_required', sql: 'ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;' },
];

const dbs: TestDatabase[] = [];

/** A fresh database, dropped after the file's tests. */
export async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('cli');
  dbs.push(db);
  return db;
}

/**
 * Call at the top of a test file: creates the sdk_cli role with PASSWORD before its tests (files
 * run side by side: see passwordRole) and drops the file's databases after.
 */
export function useCliRole(): void {
  beforeAll(async () => {
    const probe = await createTestDatabase('cli_probe');
    dbs.push(probe);
    const admin = new pg.Client({ connectionString: probe.adminUrl });
    await admin.connect();
    try {
      await passwordRole(admin, 'sdk_cli', PASSWORD);
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });
}

/** The test database's URL, logged in as sdk_cli with its distinctive password. */
export function asCliUser(db: TestDatabase, password = PASSWORD): string {
  const url = new URL(db.url);
  url.username = 'sdk_cli';
  url.password = password;
  return url.toString();
}

export function expectNoPassword(run: Run, password = PASSWORD): void {
  expect(run.stdout).not.toContain(password);
  expect(run.stderr).not.toContain(password);
}
