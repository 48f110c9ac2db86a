import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
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
        help: Instead, expand and contract:
              1. Add the new column: \`ALTER TABLE "auth"."users" ADD COLUMN "email_address" varchar(255);\`.
              2. In the same migration, keep both in sync with a BEFORE INSERT OR UPDATE trigger that copies "email" into "email_address" (and back, once the new app writes "email_address").
              3. Once that is applied, backfill "email_address" from "email": \`sdk db backfill --table auth.users --set "email_address = email" --where "email_address IS DISTINCT FROM email"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes).
              4. Deploy the app version that uses "email_address" (apply the steps above first with \`pnpm sdk db migrate --phase expand\`).
              5. In a contract migration (a file that starts with \`-- sdk:phase contract\`), drop the trigger and the old column: \`ALTER TABLE "auth"."users" DROP COLUMN "email";\`."
    `);
  });

  it('writes <type> when the column type is not known from earlier migrations', () => {
    const [v] = lint('ALTER TABLE accounts RENAME COLUMN name TO title;', []);
    expect(v?.help).toContain('`ALTER TABLE accounts ADD COLUMN title <type>;`');
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
