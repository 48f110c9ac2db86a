import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingUniqueConstraint as rule } from './adding-unique-constraint.js';

beforeAll(loadParser);

const users = 'CREATE TABLE "auth"."users" ("id" integer, "email" text, "org_id" integer, "during" tstzrange);';
const lint = (sql: string, history: string[] = [users]) => lintSql(sql, { rules: [rule], history });

describe('adding-unique-constraint', () => {
  it('reports ADD CONSTRAINT ... UNIQUE on an existing table and builds the index concurrently first', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-unique-constraint
        Adding UNIQUE constraint users_email_unique builds its index over every row of auth.users, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while the index is built
        help: Instead, build the index without blocking writes, then let the constraint take it over:
              1. \`CREATE UNIQUE INDEX CONCURRENTLY users_email_unique ON auth.users (email);\` (the runner runs it outside a transaction)
              2. \`ALTER TABLE auth.users ADD CONSTRAINT users_email_unique UNIQUE USING INDEX users_email_unique;\` (instant: the index is already built)"
    `);
  });

  it('keeps INCLUDE, NULLS NOT DISTINCT and DEFERRABLE in the rebuilt statements', () => {
    const [v] = lint('ALTER TABLE auth.users ADD CONSTRAINT org_email UNIQUE NULLS NOT DISTINCT (org_id, email) INCLUDE (id) DEFERRABLE INITIALLY DEFERRED;');
    expect(v?.help).toContain('`CREATE UNIQUE INDEX CONCURRENTLY org_email ON auth.users (org_id, email) INCLUDE (id) NULLS NOT DISTINCT;`');
    expect(v?.help).toContain('`ALTER TABLE auth.users ADD CONSTRAINT org_email UNIQUE USING INDEX org_email DEFERRABLE INITIALLY DEFERRED;`');
  });

  it('reports a PRIMARY KEY and says how to make its columns NOT NULL without a scan', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD PRIMARY KEY ("id");';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-unique-constraint
        Adding a PRIMARY KEY constraint builds its index over every row of auth.users, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE "auth"."users" ADD PRIMARY KEY ("id");
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while the index is built
        help: Instead, build the index without blocking writes, then let the constraint take it over:
              1. \`CREATE UNIQUE INDEX CONCURRENTLY users_pkey ON auth.users (id);\` (the runner runs it outside a transaction)
              2. Make sure id is NOT NULL first: otherwise ADD PRIMARY KEY runs SET NOT NULL, which reads the whole table under ACCESS EXCLUSIVE. For a column that is not: \`ALTER TABLE auth.users ADD CONSTRAINT users_id_not_null CHECK (id IS NOT NULL) NOT VALID;\`, then in a later migration (\`pnpm db:generate --custom\`) \`ALTER TABLE auth.users VALIDATE CONSTRAINT users_id_not_null;\` and \`ALTER TABLE auth.users ALTER COLUMN id SET NOT NULL;\` (PostgreSQL 12+ uses the validated CHECK instead of reading the table).
              3. \`ALTER TABLE auth.users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pkey;\` (instant: the index is already built)"
    `);
  });

  it('reports an exclusion constraint, which has no USING INDEX, with the new-table recipe', () => {
    const sql = 'ALTER TABLE auth.users ADD CONSTRAINT no_overlap EXCLUDE USING gist (org_id WITH =, during WITH &&);';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-unique-constraint
        Adding EXCLUDE constraint no_overlap builds its index over every row of auth.users, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE auth.users ADD CONSTRAINT no_overlap EXCLUDE USING gist (org_id WITH =, during WITH &&);
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while the index is built
        help: PostgreSQL cannot build an exclusion constraint ahead of time (USING INDEX accepts only UNIQUE and PRIMARY KEY indexes), so this statement always builds it under the lock. On a small table, run it as is at a quiet time. On a big one, instead:
              1. \`CREATE TABLE auth.users_new (LIKE auth.users INCLUDING ALL);\` and this ADD CONSTRAINT on auth.users_new (instant: it is empty).
              2. A trigger on auth.users that copies every INSERT, UPDATE and DELETE to auth.users_new.
              3. Copy the existing rows in batches (rows that violate the constraint fail: fix them in auth.users first).
              4. In one short transaction: \`ALTER TABLE auth.users RENAME TO users_old;\` and \`ALTER TABLE auth.users_new RENAME TO users;\`; then drop the trigger and the old table."
    `);
  });

  it('reports ADD COLUMN ... UNIQUE and rebuilds the ADD COLUMN without it', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "handle" text UNIQUE;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-unique-constraint
        Adding column handle with UNIQUE builds its index over every row of auth.users, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE "auth"."users" ADD COLUMN "handle" text UNIQUE;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while the index is built
        help: Instead, add the column first, then build its index without blocking writes:
              1. \`ALTER TABLE "auth"."users" ADD COLUMN "handle" text;\`
              2. \`CREATE UNIQUE INDEX CONCURRENTLY users_handle_key ON auth.users (handle);\` (the runner runs it outside a transaction)
              3. \`ALTER TABLE auth.users ADD CONSTRAINT users_handle_key UNIQUE USING INDEX users_handle_key;\` (instant: the index is already built)"
    `);
  });

  it('accepts UNIQUE / PRIMARY KEY USING INDEX', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_unique";')).toEqual([]);
    expect(lint('ALTER TABLE "auth"."users" ADD CONSTRAINT "users_pkey" PRIMARY KEY USING INDEX "users_pkey";')).toEqual([]);
  });

  it('accepts constraints on a table created earlier in the same file (drizzle-kit style)', () => {
    const sql = `${users}\n--> statement-breakpoint\nALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");`;
    expect(lint(sql, [])).toEqual([]);
  });

  it('accepts UNIQUE in CREATE TABLE and ADD COLUMN without one', () => {
    expect(lint('CREATE TABLE "teams" ("slug" text UNIQUE);\nALTER TABLE "auth"."users" ADD COLUMN "nickname" text;')).toEqual([]);
  });

  it('finds the constraint inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users ADD CONSTRAINT users_email_key UNIQUE (email);\nEXCEPTION WHEN duplicate_table THEN null; END $$;');
    expect(violations).toMatchObject([{ rule: 'adding-unique-constraint', line: 2, column: 3 }]);
  });
});
