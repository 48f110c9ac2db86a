import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { settingSchema as rule } from './setting-schema.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY);'] });

describe('setting-schema', () => {
  it('reports moving a table, with the move-plus-view recipe', () => {
    const sql = 'ALTER TABLE "auth"."users" SET SCHEMA "identity";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-schema
        Moving table auth.users to schema identity breaks the running app: it still names auth.users (or finds it through search_path) and fails until the new version is deployed.
        1 | ALTER TABLE "auth"."users" SET SCHEMA "identity";
          | ^
        help: Instead, keep the old name working until the new app is deployed:
              1. Move it and, in the same migration, create a view with the old name: \`ALTER TABLE "auth"."users" SET SCHEMA "identity";\` then \`CREATE VIEW "auth"."users" AS SELECT * FROM "identity"."users";\` (a simple view is updatable, so INSERTs, UPDATEs and DELETEs keep working too).
              2. Deploy the app version that uses identity.users.
              3. In a contract migration (a file that starts with \`-- sdk:phase contract\`), drop the view: \`DROP VIEW "auth"."users";\`."
    `);
  });

  it('reports moving a type or a function, with the deploy-first recipe', () => {
    const sql = 'ALTER TYPE "public"."mood" SET SCHEMA "app";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-schema
        Moving type mood to schema app breaks the running app: it still names mood (or finds it through search_path) and fails until the new version is deployed.
        1 | ALTER TYPE "public"."mood" SET SCHEMA "app";
          | ^
        help: Instead, first deploy an app version that no longer names mood, then move it in a contract migration, a file that starts with \`-- sdk:phase contract\` (\`pnpm sdk db migrate --phase expand\` applies everything before it)."
    `);
    expect(lint('ALTER FUNCTION set_updated_at() SET SCHEMA util;')[0]?.help).toContain('keep a function with the old name that calls the moved one');
  });

  it('reports views, materialized views and sequences', () => {
    expect(lint('ALTER VIEW active_users SET SCHEMA reporting;')[0]?.message).toContain('Moving view active_users to schema reporting');
    expect(lint('ALTER MATERIALIZED VIEW stats SET SCHEMA reporting;')).toHaveLength(1);
    expect(lint('ALTER SEQUENCE order_no SET SCHEMA billing;')[0]?.help).toContain('first deploy an app version');
  });

  it('accepts the move when a later statement creates a view with the old name', () => {
    const sql = 'ALTER TABLE "auth"."users" SET SCHEMA "identity";\n--> statement-breakpoint\nCREATE VIEW "auth"."users" AS SELECT * FROM "identity"."users";';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts moving objects created earlier in the same file', () => {
    expect(lint('CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nALTER TABLE "t" SET SCHEMA "archive";')).toEqual([]);
    expect(lint("CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood SET SCHEMA app;")).toEqual([]);
  });

  it('reports renaming a schema, which moves everything in it (corpus: unsafe/strong-migrations-renaming-a-schema)', () => {
    const sql = 'ALTER SCHEMA "billing" RENAME TO "payments";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-schema
        Renaming schema billing to payments moves every table, view, type and function in it at once, which breaks the running app: it still names billing (or has it on its search_path) and fails until the new version is deployed.
        1 | ALTER SCHEMA "billing" RENAME TO "payments";
          | ^
        help: Instead, move what the app uses one object at a time, each with a view under its old name (\`ALTER TABLE billing.<table> SET SCHEMA payments;\` then \`CREATE VIEW billing.<table> AS SELECT * FROM payments.<table>;\`), deploy the app version that uses payments, and drop the views and the old schema in a contract migration (a file that starts with \`-- sdk:phase contract\`)."
    `);
  });

  it('accepts renaming a schema created earlier in the same file', () => {
    expect(lint('CREATE SCHEMA "staging";\n--> statement-breakpoint\nALTER SCHEMA "staging" RENAME TO "imports";')).toEqual([]);
  });

  it('does not report moving an extension', () => {
    expect(lint('ALTER EXTENSION pgcrypto SET SCHEMA extensions;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  ALTER TABLE auth.users SET SCHEMA archive;\nEND $$;')).toMatchObject([{ rule: 'setting-schema', line: 2, column: 3 }]);
  });
  it('in a contract migration, is a warning that says the running app must use neither name', () => {
    const sql = '-- sdk:phase contract\nALTER TABLE "auth"."users" SET SCHEMA "identity";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  setting-schema
        Moving table auth.users to schema identity is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now names neither auth.users nor identity.users, and does not find it through search_path (its queries that use the old name fail from this statement on, those that use the new one until it has run).
        2 | ALTER TABLE "auth"."users" SET SCHEMA "identity";
          | ^
        help: Before it runs, check that no instance runs an app version that names auth.users or identity.users. If the new version uses identity.users, keep the old name working instead: in the same migration as the move, \`CREATE VIEW "auth"."users" AS SELECT * FROM "identity"."users";\`, and drop that view in the contract migration."
    `);
  });
});
