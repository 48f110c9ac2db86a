import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { enumValueInTransaction as rule } from './enum-value-in-transaction.js';

beforeAll(loadParser);

const HISTORY = ['CREATE TYPE "public"."status" AS ENUM(\'active\', \'banned\');\nCREATE TABLE "users" ("id" serial PRIMARY KEY, "status" "status" DEFAULT \'active\' NOT NULL);'];
const lint = (sql: string, pgVersion?: number) => lintSql(sql, { rules: [rule], history: HISTORY, pgVersion });

describe('enum-value-in-transaction', () => {
  it('reports ADD VALUE inside BEGIN ... COMMIT when the same transaction uses the value', () => {
    const sql = "BEGIN;\nALTER TYPE \"public\".\"status\" ADD VALUE 'archived';\nUPDATE \"users\" SET \"status\" = 'archived' WHERE \"id\" = 1;\nCOMMIT;";
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  error  enum-value-in-transaction
        Adding 'archived' to status inside the BEGIN of this file makes line 3 fail with "unsafe use of new enum value": a transaction cannot use an enum value it added until it commits.
        2 | ALTER TYPE "public"."status" ADD VALUE 'archived';
          | ^
        help: Remove the BEGIN/COMMIT around it (the runner already runs each migration in a transaction); \`sdk db migrate\` then commits the ADD VALUE on its own before the statements that use 'archived'."
    `);
  });

  it('reports ADD VALUE inside a DO block when a later statement of the same transaction uses it', () => {
    const sql = "DO $$ BEGIN\n  ALTER TYPE \"public\".\"status\" ADD VALUE 'archived';\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;\n--> statement-breakpoint\nALTER TABLE \"users\" ALTER COLUMN \"status\" SET DEFAULT 'archived';";
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:3  error  enum-value-in-transaction
        Adding 'archived' to status inside the DO block around it makes line 6 fail with "unsafe use of new enum value": a transaction cannot use an enum value it added until it commits.
        2 |   ALTER TYPE "public"."status" ADD VALUE 'archived';
          |   ^
        help: Move the ADD VALUE out of the DO block, as a statement of its own: \`ALTER TYPE "public"."status" ADD VALUE IF NOT EXISTS 'archived';\` (IF NOT EXISTS replaces the block's duplicate_object handler); \`sdk db migrate\` then commits the ADD VALUE on its own before the statements that use 'archived'."
    `);
  });

  it('accepts ADD VALUE without an explicit transaction: the runner commits it on its own first', () => {
    const sql = "ALTER TYPE \"public\".\"status\" ADD VALUE 'archived';\n--> statement-breakpoint\nUPDATE \"users\" SET \"status\" = 'archived' WHERE \"id\" = 1;";
    expect(lint(sql)).toEqual([]);
  });

  it('accepts ADD VALUE in a transaction block when nothing uses the value before it commits', () => {
    expect(lint("BEGIN;\nALTER TYPE status ADD VALUE 'archived';\nCOMMIT;\nUPDATE users SET status = 'archived' WHERE id = 1;")).toEqual([]);
    expect(lint("DO $$ BEGIN\n  ALTER TYPE status ADD VALUE 'archived';\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;")).toEqual([]);
  });

  it('does not count a use after a statement that runs in a transaction of its own', () => {
    const sql = "DO $$ BEGIN ALTER TYPE status ADD VALUE 'archived'; END $$;\nCREATE INDEX CONCURRENTLY users_status_idx ON users (status);\nUPDATE users SET status = 'archived' WHERE id = 1;";
    expect(lint(sql)).toEqual([]);
  });

  it('accepts values added to an enum created in the same transaction', () => {
    expect(lint("BEGIN;\nCREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'great';\nSELECT 'great'::mood;\nCOMMIT;")).toEqual([]);
  });

  it('does not report RENAME VALUE', () => {
    expect(lint("BEGIN;\nALTER TYPE status RENAME VALUE 'banned' TO 'blocked';\nSELECT 'blocked'::status;\nCOMMIT;")).toEqual([]);
  });

  it('on PostgreSQL 11 reports ADD VALUE that the runner would run inside its transaction', () => {
    const sql = "ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived';";
    expect(rendered(sql, lint(sql, 11))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  enum-value-in-transaction
        PostgreSQL 11 refuses ALTER TYPE ... ADD VALUE inside a transaction block, and adding 'archived' to status runs inside the migration's transaction (\`sdk db migrate\` runs it alone only when a later statement of the file uses the value): the migration fails with "ALTER TYPE ... ADD cannot run inside a transaction block".
        1 | ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived';
          | ^
        help: Run \`ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived';\` outside any transaction before this migration (psql in autocommit mode) and remove it from the file, or upgrade to PostgreSQL 12+, which runs it inside a transaction."
    `);
    expect(lint("BEGIN;\nALTER TYPE status ADD VALUE 'archived';\nCOMMIT;", 11)[0]?.message).toContain('runs inside the BEGIN of this file');
  });

  it('on PostgreSQL 11 accepts ADD VALUE that the runner runs alone because a later statement uses it', () => {
    expect(lint("ALTER TYPE status ADD VALUE 'archived';\nUPDATE users SET status = 'archived' WHERE id = 1;", 11)).toEqual([]);
  });
});
