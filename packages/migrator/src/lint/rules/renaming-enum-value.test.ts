import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { renamingEnumValue as rule } from './renaming-enum-value.js';

beforeAll(loadParser);

const history = [
  'CREATE TYPE "public"."order_status" AS ENUM(\'pending\', \'paid\');\n--> statement-breakpoint\nCREATE TABLE "orders" ("id" serial PRIMARY KEY, "status" "order_status" NOT NULL);',
];
const lint = (sql: string, pgVersion?: number) => lintSql(sql, { rules: [rule], history, ...(pgVersion ? { pgVersion } : {}) });

describe('renaming-enum-value', () => {
  it('reports renaming a value of an existing enum, with the add-deploy-backfill recipe in the user\'s quoting', () => {
    const sql = 'ALTER TYPE "public"."order_status" RENAME VALUE \'pending\' TO \'awaiting_payment\';';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  renaming-enum-value
        Renaming value 'pending' of enum order_status to 'awaiting_payment' breaks the running app: it still writes and compares 'pending', and its writes of 'pending' fail with "invalid input value for enum" from the moment the migration commits.
        1 | ALTER TYPE "public"."order_status" RENAME VALUE 'pending' TO 'awaiting_payment';
          | ^
        help: Instead, add the new value next to the old one and move the rows:
              1. Add the value: \`ALTER TYPE "public"."order_status" ADD VALUE 'awaiting_payment';\` (before PostgreSQL 12, outside a transaction block; a transaction that adds it cannot use it before it commits: see enum-value-in-transaction).
              2. Deploy the app version that reads both 'pending' and 'awaiting_payment' and writes 'awaiting_payment'.
              3. Backfill the rows: \`sdk db backfill --table public.orders --set "status = 'awaiting_payment'" --where "status = 'pending'"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes).
              4. Leave 'pending' unused: PostgreSQL cannot drop an enum value (recreating the type without it rewrites every table that uses it)."
    `);
  });

  it('names placeholders in the backfill when no known column uses the type', () => {
    const [v] = lintSql('ALTER TYPE mood RENAME VALUE \'sad\' TO \'unhappy\';', { rules: [rule] });
    expect(v?.message).toContain("Renaming value 'sad' of enum mood to 'unhappy' breaks the running app");
    expect(v?.help).toContain('`ALTER TYPE mood ADD VALUE \'unhappy\';`');
    expect(v?.help).toContain('--table "<table>" --set "<column> = \'unhappy\'" --where "<column> = \'sad\'"');
  });

  it('accepts renaming a value of an enum created earlier in the same file', () => {
    const sql = 'CREATE TYPE "public"."mood" AS ENUM(\'sad\', \'happy\');\n--> statement-breakpoint\nALTER TYPE "public"."mood" RENAME VALUE \'sad\' TO \'unhappy\';';
    expect(lintSql(sql, { rules: [rule] })).toEqual([]);
  });

  it('does not report adding a value or renaming the type', () => {
    expect(lint('ALTER TYPE "public"."order_status" ADD VALUE \'refunded\';')).toEqual([]);
    expect(lint('ALTER TYPE "public"."order_status" RENAME TO "order_state";')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TYPE order_status RENAME VALUE \'paid\' TO \'settled\';\nEND $$;');
    expect(violations).toMatchObject([{ rule: 'renaming-enum-value', line: 2, column: 3 }]);
  });

  it('in a contract migration, is a warning that says the running app must use neither label', () => {
    const sql = '-- sdk:phase contract\nALTER TYPE "public"."order_status" RENAME VALUE \'pending\' TO \'awaiting_payment\';';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  renaming-enum-value
        Renaming value 'pending' of enum order_status to 'awaiting_payment' is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now uses neither 'pending' nor 'awaiting_payment' (its writes of 'pending' fail from this statement on, those of 'awaiting_payment' until it has run).
        2 | ALTER TYPE "public"."order_status" RENAME VALUE 'pending' TO 'awaiting_payment';
          | ^
        help: Before it runs, check that no instance runs an app version that writes or compares 'pending' or 'awaiting_payment'. If the new version uses 'awaiting_payment', add it instead: \`ALTER TYPE "public"."order_status" ADD VALUE 'awaiting_payment';\` in an expand migration, backfill the rows from 'pending' to 'awaiting_payment', and leave 'pending' unused."
    `);
  });
});
