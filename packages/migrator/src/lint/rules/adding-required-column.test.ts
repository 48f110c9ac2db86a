import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingRequiredColumn as rule } from './adding-required-column.js';

beforeAll(loadParser);

const USERS = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "name" text);';
const lint = (sql: string, options: { history?: string[]; pgVersion?: number } = {}) =>
  lintSql(sql, { rules: [rule], history: options.history ?? [USERS], pgVersion: options.pgVersion });

describe('adding-required-column', () => {
  it('reports a NOT NULL column without a default, with the expand/contract recipe and a DEFAULT option', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "email" text NOT NULL;';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-required-column
        Adding NOT NULL column email without a default fails on auth.users if it has rows, and INSERTs from the running app that leave it out fail.
        1 | ALTER TABLE "auth"."users" ADD COLUMN "email" text NOT NULL;
          | ^
        help: Instead:
              1. Add it nullable: \`ALTER TABLE "auth"."users" ADD COLUMN "email" text;\`, and apply that with \`pnpm sdk db migrate --phase expand\`.
              2. Deploy the app version that writes it.
              3. Backfill the existing rows: \`sdk db backfill --table auth.users --set "email = <value>" --where "email IS NULL"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes).
              4. In a later migration, check new writes only: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;\`.
              5. In the migration after that, \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_not_null";\` (reads every row without blocking writes), then \`ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;\` (which then skips its full-table scan) and drop the check.
              Or, when one value suits every existing row, give it a constant default, which is instant on PostgreSQL 11+: \`ALTER TABLE "auth"."users" ADD COLUMN "email" text DEFAULT '' NOT NULL;\`."
    `);
  });

  it('reports a PRIMARY KEY column, which is NOT NULL too', () => {
    const sql = 'ALTER TABLE accounts ADD COLUMN code uuid PRIMARY KEY;';
    const violations = lint(sql, { history: ['CREATE TABLE accounts (name text);'] });
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-required-column
        Adding PRIMARY KEY column code without a default fails on accounts if it has rows, and INSERTs from the running app that leave it out fail.
        1 | ALTER TABLE accounts ADD COLUMN code uuid PRIMARY KEY;
          | ^
        help: Instead:
              1. Add it nullable: \`ALTER TABLE accounts ADD COLUMN code uuid;\`, and apply that with \`pnpm sdk db migrate --phase expand\`.
              2. Deploy the app version that writes it.
              3. Backfill the existing rows: \`sdk db backfill --table accounts --set "code = <value>" --where "code IS NULL"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes).
              4. In a later migration, check new writes only: \`ALTER TABLE accounts ADD CONSTRAINT accounts_code_not_null CHECK (code IS NOT NULL) NOT VALID;\`.
              5. In the migration after that, \`ALTER TABLE accounts VALIDATE CONSTRAINT accounts_code_not_null;\` (reads every row without blocking writes), then \`ALTER TABLE accounts ALTER COLUMN code SET NOT NULL;\` (which then skips its full-table scan) and drop the check.
              6. Build the key's index without blocking writes and attach it: \`CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey ON accounts (code);\`, then \`ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey;\`."
    `);
  });

  it('treats DEFAULT NULL as no default, and replaces it in the DEFAULT option', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "age" integer DEFAULT NULL NOT NULL;');
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" ADD COLUMN "age" integer DEFAULT NULL;`');
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" ADD COLUMN "age" integer DEFAULT 0 NOT NULL;`');
  });

  it('edits only the offending column of a multi-column ALTER TABLE, and keeps a named constraint out', () => {
    const [v, ...rest] = lint('ALTER TABLE "auth"."users" ADD COLUMN "a" int NOT NULL DEFAULT 1, ADD COLUMN "b" boolean CONSTRAINT "b_nn" NOT NULL;');
    expect(rest).toEqual([]);
    expect(v?.message).toContain('column b');
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" ADD COLUMN "a" int NOT NULL DEFAULT 1, ADD COLUMN "b" boolean;`');
    expect(v?.help).toContain('ADD COLUMN "b" boolean DEFAULT false CONSTRAINT "b_nn" NOT NULL;`');
  });

  it('accepts a NOT NULL column with a default', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "active" boolean DEFAULT true NOT NULL;')).toEqual([]);
  });

  it('accepts serial, identity and generated columns, which fill themselves in', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "n" bigserial NOT NULL;')).toEqual([]);
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "n" int GENERATED ALWAYS AS IDENTITY NOT NULL;')).toEqual([]);
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "n" int GENERATED ALWAYS AS ("id" * 2) STORED NOT NULL;')).toEqual([]);
  });

  it('accepts a nullable column', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "email" text;')).toEqual([]);
  });

  it('accepts a NOT NULL column on a table created earlier in the same file (drizzle-kit style)', () => {
    const sql = 'CREATE TABLE "auth"."teams" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nALTER TABLE "auth"."teams" ADD COLUMN "name" text NOT NULL;';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts ADD COLUMN IF NOT EXISTS of a column the table already has', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN IF NOT EXISTS "name" text NOT NULL;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users ADD COLUMN email text NOT NULL;\nEXCEPTION WHEN duplicate_column THEN null; END $$;');
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ line: 2, column: 3 });
  });

  it('on PostgreSQL 12+ SET NOT NULL skips its scan after the validated check; before that, it says SET NOT NULL still scans', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "email" text NOT NULL;';
    expect(lint(sql, { pgVersion: 12 })[0]?.help).toContain('(which then skips its full-table scan)');
    expect(lint(sql, { pgVersion: 11 })[0]?.help).toContain('PostgreSQL 11 and older still scan the table');
  });

  it('before PostgreSQL 11 it does not offer a DEFAULT, which rewrites the table there', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "email" text NOT NULL;', { pgVersion: 10 });
    expect(v?.help).not.toContain("DEFAULT ''");
    expect(v?.help).toContain('rewrites the whole table');
  });
});
