import { beforeAll, describe, expect, it } from 'vitest';
import { knownTable } from '../../operations/catalog.js';
import { renameColumn, renamedColumn } from '../../operations/rename-column.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
import { renamingColumn as rule } from './renaming-column.js';

beforeAll(loadParser);

const USERS = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" varchar(255) NOT NULL);';
const lint = (sql: string, history: string[] = [USERS]) => lintSql(sql, { rules: [rule], history });

describe('renaming-column', () => {
  it('reports renaming a column of an existing table, with an expand/contract recipe using its known type', () => {
    const sql = 'ALTER TABLE "auth"."users" RENAME COLUMN "email" TO "email_address";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  renaming-column
        Renaming column email of auth.users to email_address breaks the running app: its queries still name email and fail until the new version is deployed.
        1 | ALTER TABLE "auth"."users" RENAME COLUMN "email" TO "email_address";
          | ^
        help: Instead, expand and contract: add the new column next to the old one, kept equal by a trigger:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add new column: \`ALTER TABLE "auth"."users" ADD COLUMN "email_address" varchar(255);\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              2. create sync function: \`CREATE FUNCTION "auth"."sdk_sync_users_email_address"() RETURNS trigger LANGUAGE plpgsql AS $sdk$
              BEGIN
                IF TG_OP = 'INSERT' THEN
                  IF NEW."email_address" IS NULL AND NEW."email" IS NOT NULL THEN
                    NEW."email_address" := NEW."email";
                  ELSIF NEW."email" IS NULL AND NEW."email_address" IS NOT NULL THEN
                    NEW."email" := NEW."email_address";
                  END IF;
                ELSIF ROW(NEW."email")::record *<> ROW(OLD."email")::record AND NOT ROW(NEW."email_address")::record *<> ROW(OLD."email_address")::record THEN
                  NEW."email_address" := NEW."email";
                ELSIF ROW(NEW."email_address")::record *<> ROW(OLD."email_address")::record AND NOT ROW(NEW."email")::record *<> ROW(OLD."email")::record AND ROW(NEW."email_address")::record *<> ROW(NEW."email")::record THEN
                  NEW."email" := NEW."email_address";
                END IF;
                RETURN NEW;
              END
              $sdk$;\`
              3. create sync trigger: \`CREATE TRIGGER "sdk_sync_email_address" BEFORE INSERT OR UPDATE ON "auth"."users" FOR EACH ROW EXECUTE FUNCTION "auth"."sdk_sync_users_email_address"();\`
                 locks: SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it
              backfill, a data migration the same command runs right after the expand:
              4. copy old into new: \`UPDATE "auth"."users" SET "email_address" = "email" WHERE "email_address" IS NULL AND "email" IS NOT NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              Before the contract: deploy the version of the application that uses email_address (both versions work while the trigger keeps the two columns equal).
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              5. add NOT VALID check: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_address_not_null" CHECK ("email_address" IS NOT NULL) NOT VALID;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
              6. validate check (starts a new migration): \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_address_not_null";\`
                 locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
              7. set not null (starts a new migration): \`ALTER TABLE "auth"."users" ALTER COLUMN "email_address" SET NOT NULL;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it: the validated check spares the scan
              8. drop check: \`ALTER TABLE "auth"."users" DROP CONSTRAINT "users_email_address_not_null";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              9. drop sync trigger (starts a new migration): \`DROP TRIGGER "sdk_sync_email_address" ON "auth"."users";\`
                 locks: SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it
              10. drop sync function: \`DROP FUNCTION "auth"."sdk_sync_users_email_address"();\`
              11. drop old column: \`ALTER TABLE "auth"."users" DROP COLUMN "email";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              \`sdk db new rename-column auth.users email email_address\` writes these steps as migration files and a data migration; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
    `);
  });

  it('writes <type> when the column type is not known from earlier migrations', () => {
    const [v] = lint('ALTER TABLE accounts RENAME COLUMN name TO title;', []);
    expect(v?.help).toContain('`ALTER TABLE "public"."accounts" ADD COLUMN "title" <type>;`');
  });

  it('prints the rename-column plan, step for step, built from what earlier migrations say about the column', () => {
    const [v] = lint('ALTER TABLE auth.users RENAME COLUMN email TO email_address;');
    const old = { name: 'email', type: 'varchar(255)', notNull: true, default: null, identity: false, generated: false };
    const plan = renameColumn.plan(renamedColumn(knownTable('auth', 'users'), old, 'email_address'));
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    expect(v?.help).toContain('`sdk db new rename-column auth.users email email_address`');
  });

  it("moves the column's default, as an earlier migration wrote it, into the trigger and back", () => {
    const history = ['CREATE TABLE "orders" ("id" serial PRIMARY KEY, "state" text DEFAULT \'new\' NOT NULL);'];
    const [v] = lint('ALTER TABLE "orders" RENAME COLUMN "state" TO "status";', history);
    const old = { name: 'state', type: 'text', notNull: true, default: "'new'", identity: false, generated: false };
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(renameColumn.plan(renamedColumn(knownTable('public', 'orders'), old, 'status'))));
    expect(v?.help).toContain('move the default into the trigger: `ALTER TABLE "public"."orders" ALTER COLUMN "state" DROP DEFAULT;`');
    expect(v?.help).toContain(`set the default: \`ALTER TABLE "public"."orders" ALTER COLUMN "status" SET DEFAULT 'new';\``);
  });

  it('keeps the recipe in words for a column rename-column refuses: a serial one, or one an index or a constraint uses', () => {
    const serial = lint('ALTER TABLE "auth"."users" RENAME COLUMN "id" TO "user_id";');
    expect(serial[0]?.help).toContain('1. Add the new column: `ALTER TABLE "auth"."users" ADD COLUMN "user_id" int4;`.');
    expect(serial[0]?.help).not.toContain('sdk db new');
    const indexed = lint('ALTER TABLE "auth"."users" RENAME COLUMN "email" TO "mail";', [USERS, 'CREATE UNIQUE INDEX "users_email_idx" ON "auth"."users" ("email");']);
    expect(indexed[0]?.help).toContain('1. Add the new column: `ALTER TABLE "auth"."users" ADD COLUMN "mail" varchar(255);`.');
    expect(indexed[0]?.help).not.toContain('sdk db new');
  });

  it('accepts a rename on a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nALTER TABLE "t" RENAME COLUMN "a" TO "b";')).toEqual([]);
  });

  it('accepts renaming a column added earlier in the same file, which the running app does not know', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "nick" text;\n--> statement-breakpoint\nALTER TABLE "auth"."users" RENAME COLUMN "nick" TO "nickname";')).toEqual([]);
  });

  it('does not report renaming the table itself or an index (other rules cover those)', () => {
    expect(lint('ALTER TABLE "auth"."users" RENAME TO "accounts";')).toEqual([]);
    expect(lint('ALTER INDEX "users_email_idx" RENAME TO "users_email_key";')).toEqual([]);
  });

  it('reports renaming a column of a view, which the running app queries the same way (corpus: unsafe/squawk-renaming-view-column)', () => {
    const sql = 'ALTER VIEW "active_users" RENAME COLUMN "email" TO "email_address";';
    expect(rendered(sql, lint(sql, []))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  renaming-column
        Renaming column email of view active_users to email_address breaks the running app: its queries still name email and fail until the new version is deployed.
        1 | ALTER VIEW "active_users" RENAME COLUMN "email" TO "email_address";
          | ^
        help: Instead, offer both names until the new version is deployed:
              1. In an expand migration, add "email_address" next to "email": \`CREATE OR REPLACE VIEW "active_users" AS SELECT <its columns as now>, "email" AS "email_address" FROM ...;\` (a view may gain columns at the end; the old ones keep their names and order).
              2. Deploy the app version that reads "email_address".
              3. In a contract migration (a file that starts with \`-- sdk:phase contract\`), recreate the view without "email"."
    `);
  });

  it('reports a materialized view column too, and accepts a view created earlier in the same file', () => {
    expect(lint('ALTER MATERIALIZED VIEW "order_totals" RENAME COLUMN "sum" TO "total";', []).map((v) => v.rule)).toEqual(['renaming-column']);
    expect(lint('CREATE VIEW "v" AS SELECT 1 AS "a";\n--> statement-breakpoint\nALTER VIEW "v" RENAME COLUMN "a" TO "b";', [])).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users RENAME COLUMN email TO mail;\nEXCEPTION WHEN undefined_column THEN null; END $$;');
    expect(violations).toMatchObject([{ rule: 'renaming-column', line: 2, column: 3 }]);
  });
  it('in a contract migration, is a warning that says the running app must use neither name', () => {
    const sql = '-- sdk:phase contract\nALTER TABLE "auth"."users" RENAME COLUMN "email" TO "email_address";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  renaming-column
        Renaming column email of auth.users to email_address is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now names neither email nor email_address (its queries that name email fail from this statement on, those that name email_address until it has run).
        2 | ALTER TABLE "auth"."users" RENAME COLUMN "email" TO "email_address";
          | ^
        help: Before it runs, check that no instance runs an app version that names email or email_address. If the new version uses email_address, no moment suits the rename (one version or the other fails): instead add email_address next to email in an expand migration, kept in sync by a trigger and backfilled, and drop email here once that version is deployed."
    `);
  });
});
