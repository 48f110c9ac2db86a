import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { renamingTable as rule } from './renaming-table.js';

beforeAll(loadParser);

const lint = (sql: string, history: string[] = ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY);']) => lintSql(sql, { rules: [rule], history });

describe('renaming-table', () => {
  it('reports renaming an existing table, with the rename-plus-view recipe in the user\'s quoting', () => {
    const sql = 'ALTER TABLE "auth"."users" RENAME TO "accounts";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  renaming-table
        Renaming table auth.users to accounts breaks the running app: its queries still name auth.users and fail until the new version is deployed.
        1 | ALTER TABLE "auth"."users" RENAME TO "accounts";
          | ^
        help: Instead, keep the old name working until the new app is deployed:
              1. Rename it and, in the same migration, create a view with the old name: \`ALTER TABLE "auth"."users" RENAME TO "accounts";\` then \`CREATE VIEW "auth"."users" AS SELECT * FROM "auth"."accounts";\` (a simple view is updatable, so its INSERTs, UPDATEs and DELETEs keep working too).
              2. Deploy the app version that uses auth.accounts.
              3. In a contract migration (a file that starts with \`-- sdk:phase contract\`), drop the view: \`DROP VIEW "auth"."users";\`."
    `);
  });

  it('reports renaming a view and a materialized view', () => {
    expect(lint('ALTER VIEW active_users RENAME TO current_users;')[0]?.message).toContain('Renaming view active_users to current_users');
    const [v] = lint('ALTER MATERIALIZED VIEW stats RENAME TO daily_stats;');
    expect(v?.message).toContain('Renaming materialized view stats');
    expect(v?.help).toContain('`CREATE VIEW stats AS SELECT * FROM daily_stats;`');
    expect(v?.help).not.toContain('updatable');
  });

  it('accepts the rename when a later statement creates a view with the old name', () => {
    const sql = 'ALTER TABLE "auth"."users" RENAME TO "accounts";\n--> statement-breakpoint\nCREATE VIEW "auth"."users" AS SELECT * FROM "auth"."accounts";';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts renaming a table or view created earlier in the same file', () => {
    expect(lint('CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nALTER TABLE "t" RENAME TO "u";')).toEqual([]);
    expect(lint('CREATE VIEW v AS SELECT 1 AS one;\nALTER VIEW v RENAME TO w;')).toEqual([]);
  });

  it('does not report renaming a column or an index', () => {
    expect(lint('ALTER TABLE "auth"."users" RENAME COLUMN "id" TO "user_id";')).toEqual([]);
    expect(lint('ALTER INDEX "users_pkey" RENAME TO "users_pk";')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users RENAME TO accounts;\nEND $$;');
    expect(violations).toMatchObject([{ rule: 'renaming-table', line: 2, column: 3 }]);
  });
  it('in a contract migration, is a warning that says the running app must use neither name', () => {
    const sql = '-- sdk:phase contract\nALTER TABLE "auth"."users" RENAME TO "accounts";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  renaming-table
        Renaming table auth.users to accounts is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now names neither auth.users nor auth.accounts (its queries that name auth.users fail from this statement on, those that name accounts until it has run).
        2 | ALTER TABLE "auth"."users" RENAME TO "accounts";
          | ^
        help: Before it runs, check that no instance runs an app version that names auth.users or auth.accounts. If the new version uses the new name, keep the old one working instead: in the same migration as the rename, \`CREATE VIEW "auth"."users" AS SELECT * FROM "auth"."accounts";\`, and drop that view in the contract migration."
    `);
  });
});
