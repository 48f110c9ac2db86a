import { beforeAll, describe, expect, it } from 'vitest';
import { addUnique } from '../../operations/add-unique.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
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
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. create unique index concurrently (outside a transaction): \`CREATE UNIQUE INDEX CONCURRENTLY "users_email_unique_sdk_idx" ON "auth"."users" ("email");\`
                 locks: SHARE UPDATE EXCLUSIVE while the index is built in the background: reads and writes continue; fails (and is rebuilt by the next run) while duplicates exist
              Before the contract: nothing has to be deployed in between: the unique index rejects duplicates as soon as it is built.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              2. attach it as the constraint: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_unique_sdk_idx";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it (the index is renamed to the constraint's name)
              \`sdk db new add-unique auth.users --columns email --constraint-name users_email_unique\` writes these steps as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
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
        help: Instead, add the column first, then build its index without blocking writes and let the constraint take it over:
              1. \`ALTER TABLE "auth"."users" ADD COLUMN "handle" text;\`
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              2. create unique index concurrently (outside a transaction): \`CREATE UNIQUE INDEX CONCURRENTLY "users_handle_key_sdk_idx" ON "auth"."users" ("handle");\`
                 locks: SHARE UPDATE EXCLUSIVE while the index is built in the background: reads and writes continue; fails (and is rebuilt by the next run) while duplicates exist
              Before the contract: nothing has to be deployed in between: the unique index rejects duplicates as soon as it is built.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              3. attach it as the constraint: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_handle_key" UNIQUE USING INDEX "users_handle_key_sdk_idx";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it (the index is renamed to the constraint's name)
              Once step 1 is applied, \`sdk db new add-unique auth.users --columns handle\` writes steps 2 to 3 as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
    `);
  });

  it('prints the add-unique plan, step for step', () => {
    const [v] = lint('ALTER TABLE auth.users ADD UNIQUE (org_id, email);');
    const plan = addUnique.plan({ tableSql: '"auth"."users"', display: 'auth.users', schema: 'auth', name: 'users_org_id_email_key', index: 'users_org_id_email_key_sdk_idx', columns: ['org_id', 'email'] });
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    expect(v?.help).toContain('`sdk db new add-unique auth.users --columns "org_id, email"`');
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
