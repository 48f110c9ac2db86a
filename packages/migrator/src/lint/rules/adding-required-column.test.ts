import { beforeAll, describe, expect, it } from 'vitest';
import { addRequiredColumn } from '../../operations/add-required-column.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
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
        help: Instead, add the column nullable, fill it, then make it NOT NULL without a long lock:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add nullable column: \`ALTER TABLE "auth"."users" ADD COLUMN "email" text;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              backfill, a data migration the same command runs right after the expand:
              2. fill existing rows: \`UPDATE "auth"."users" SET "email" = <value> WHERE "email" IS NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              Before the contract: deploy the version of the application that writes email (its Drizzle schema has the column, and every insert sets it).
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              3. add NOT VALID check: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
              backfill, a data migration \`pnpm sdk db migrate\` runs between the contract migrations:
              4. fill rows written since the backfill: \`UPDATE "auth"."users" SET "email" = <value> WHERE "email" IS NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              contract, continued:
              5. validate check (starts a new migration): \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_not_null";\`
                 locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
              6. set not null (starts a new migration): \`ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it: the validated check spares the scan
              7. drop check: \`ALTER TABLE "auth"."users" DROP CONSTRAINT "users_email_not_null";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              \`sdk db new add-required-column auth.users email --type text --backfill "<value>"\` writes these steps as migration files and a data migration; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place.
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
        help: Instead, add the column nullable, fill it, then make it NOT NULL without a long lock:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add nullable column: \`ALTER TABLE "public"."accounts" ADD COLUMN "code" uuid;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              backfill, a data migration the same command runs right after the expand:
              2. fill existing rows: \`UPDATE "public"."accounts" SET "code" = <value> WHERE "code" IS NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              Before the contract: deploy the version of the application that writes code (its Drizzle schema has the column, and every insert sets it).
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              3. add NOT VALID check: \`ALTER TABLE "public"."accounts" ADD CONSTRAINT "accounts_code_not_null" CHECK ("code" IS NOT NULL) NOT VALID;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
              backfill, a data migration \`pnpm sdk db migrate\` runs between the contract migrations:
              4. fill rows written since the backfill: \`UPDATE "public"."accounts" SET "code" = <value> WHERE "code" IS NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              contract, continued:
              5. validate check (starts a new migration): \`ALTER TABLE "public"."accounts" VALIDATE CONSTRAINT "accounts_code_not_null";\`
                 locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
              6. set not null (starts a new migration): \`ALTER TABLE "public"."accounts" ALTER COLUMN "code" SET NOT NULL;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it: the validated check spares the scan
              7. drop check: \`ALTER TABLE "public"."accounts" DROP CONSTRAINT "accounts_code_not_null";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              \`sdk db new add-required-column accounts code --type uuid --backfill "<value>"\` writes these steps as migration files and a data migration; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place.
              Then build the key's index without blocking writes and attach it: \`CREATE UNIQUE INDEX CONCURRENTLY "accounts_pkey" ON "public"."accounts" ("code");\`, then \`ALTER TABLE "public"."accounts" ADD CONSTRAINT "accounts_pkey" PRIMARY KEY USING INDEX "accounts_pkey";\`."
    `);
  });

  it('treats DEFAULT NULL as no default, and replaces it in the DEFAULT option', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "age" integer DEFAULT NULL NOT NULL;');
    expect(v?.help).toContain('1. add nullable column: `ALTER TABLE "auth"."users" ADD COLUMN "age" integer;`');
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" ADD COLUMN "age" integer DEFAULT 0 NOT NULL;`');
  });

  it('plans only the offending column of a multi-column ALTER TABLE, and edits only it in the DEFAULT option', () => {
    const [v, ...rest] = lint('ALTER TABLE "auth"."users" ADD COLUMN "a" int NOT NULL DEFAULT 1, ADD COLUMN "b" boolean CONSTRAINT "b_nn" NOT NULL;');
    expect(rest).toEqual([]);
    expect(v?.message).toContain('column b');
    expect(v?.help).toContain('1. add nullable column: `ALTER TABLE "auth"."users" ADD COLUMN "b" boolean;`');
    expect(v?.help).toContain("The plan adds the column alone: add the statement's other changes in a migration of their own.");
    expect(v?.help).toContain('ADD COLUMN "b" boolean DEFAULT false CONSTRAINT "b_nn" NOT NULL;`');
  });

  it("keeps the column's type as written, and sends its other clauses to their own operations", () => {
    const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "code" varchar(20) COLLATE "C" NOT NULL REFERENCES "auth"."codes" ("code");');
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" ADD COLUMN "code" varchar(20) COLLATE "C";`');
    expect(v?.help).toContain('`sdk db new add-required-column auth.users code --type \'varchar(20) COLLATE "C"\' --backfill "<value>"`');
    expect(v?.help).toContain('The plan adds the column alone: add its REFERENCES clause after it (`sdk db new add-foreign-key`).');
  });

  it('prints the add-required-column plan, step for step, with the command that writes it', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20) NOT NULL;');
    const plan = addRequiredColumn.plan({ tableSql: '"auth"."users"', tableName: 'users', display: 'auth.users', column: 'phone_number', type: 'varchar(20)', default: null, backfill: '<value>', exists: false });
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    expect(v?.help).toContain('`sdk db new add-required-column auth.users phone_number --type "varchar(20)" --backfill "<value>"`');
    expect(v?.help).toContain('`pnpm db:generate --safe`');
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
    expect(lint(sql, { pgVersion: 12 })[0]?.help).toContain('the validated check spares the scan');
    expect(lint(sql, { pgVersion: 12 })[0]?.help).not.toContain('still reads the whole table');
    expect(lint(sql, { pgVersion: 11 })[0]?.help).toContain('PostgreSQL 11 still reads the whole table for set not null, under ACCESS EXCLUSIVE, even with the validated check');
  });

  it('before PostgreSQL 11 it does not offer a DEFAULT, which rewrites the table there', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "email" text NOT NULL;', { pgVersion: 10 });
    expect(v?.help).not.toContain("DEFAULT ''");
    expect(v?.help).toContain('rewrites the whole table');
  });
});
