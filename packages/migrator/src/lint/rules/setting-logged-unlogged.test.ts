import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { settingLoggedUnlogged as rule } from './setting-logged-unlogged.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[]) => lintSql(sql, { rules: [rule], history });

describe('setting-logged-unlogged', () => {
  it('reports SET LOGGED on an existing table, with the copy-and-swap recipe', () => {
    const sql = 'ALTER TABLE "audit"."events" SET LOGGED;';
    const violations = lint(sql, ['CREATE UNLOGGED TABLE "audit"."events" ("id" bigint);']);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-logged-unlogged
        Setting audit.events LOGGED rewrites the whole table and writes all of it to the WAL while every query on audit.events waits, which takes minutes on a big table; replicas fall behind while they replay it.
        1 | ALTER TABLE "audit"."events" SET LOGGED;
          | ^
        lock: ACCESS EXCLUSIVE lock on audit.events (blocks every read and write) until the copy ends
        help: Instead, copy it into a new logged table while the old one keeps serving:
              1. Create the copy and keep it in step: \`CREATE TABLE "audit"."events_new" (LIKE "audit"."events" INCLUDING ALL);\` and triggers on "audit"."events" that repeat every INSERT, UPDATE and DELETE on it.
              2. Copy the existing rows in batches, each batch in its own transaction (from a script or job).
              3. Swap the names in one short transaction (RENAME the old table away, RENAME the copy into place) in a contract migration, then drop the old table.
              For a small table, run it at a quiet time and add \`-- sdk-lint-ignore setting-logged-unlogged: <reason>\` on the line before."
    `);
  });

  it('reports SET UNLOGGED, and says what an unlogged table loses', () => {
    const sql = 'ALTER TABLE events SET UNLOGGED;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-logged-unlogged
        Setting events UNLOGGED rewrites the whole table while every query on events waits, which takes minutes on a big table; afterwards its rows are not replicated and the table is emptied after a crash.
        1 | ALTER TABLE events SET UNLOGGED;
          | ^
        lock: ACCESS EXCLUSIVE lock on events (blocks every read and write) until the copy ends
        help: Keep the table logged. For scratch data that may be lost, create a new table with \`CREATE UNLOGGED TABLE ...\` and write to it instead."
    `);
  });

  it('accepts both on a table created earlier in the same file', () => {
    const sql = 'CREATE TABLE "t" ("x" int);\n--> statement-breakpoint\nALTER TABLE "t" SET UNLOGGED;\n--> statement-breakpoint\nALTER TABLE "t" SET LOGGED;';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts other ALTER TABLE forms and sequences', () => {
    expect(lint('ALTER TABLE t SET (fillfactor = 90);')).toEqual([]);
    expect(lint('ALTER SEQUENCE s SET UNLOGGED;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  ALTER TABLE t SET LOGGED;\nEND $$;')).toMatchObject([{ line: 2, column: 3 }]);
  });

  it('spells the table as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nALTER TABLE "audit"."events" SET LOGGED;';
    const [v] = lint(sql, ['CREATE UNLOGGED TABLE "audit"."events" ("id" bigint);']);
    expect(v?.help).toContain('`CREATE TABLE "audit"."events_new" (LIKE "audit"."events" INCLUDING ALL);`');
  });
});
