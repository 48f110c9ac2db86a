import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { droppingTable as rule } from './dropping-table.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."sessions" ("id" serial PRIMARY KEY);'] });

describe('dropping-table', () => {
  it('reports dropping an existing table: the running app breaks and its data is gone', () => {
    const sql = 'DROP TABLE "auth"."sessions";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  dropping-table
        Dropping table auth.sessions breaks the running app if it still uses it, and deletes its data.
        1 | DROP TABLE "auth"."sessions";
          | ^
        help: Instead:
              1. Remove auth.sessions from the Drizzle schema and the app's queries, and deploy that app version first.
              2. Back up the data: \`sdk db backup --verify\` (a backup proven to restore).
              3. Drop it in a contract migration, a file that starts with \`-- sdk:phase contract\` and runs after the deploy (\`pnpm sdk db migrate --phase expand\` applies everything before it)."
    `);
  });

  it('reports a view without the backup step', () => {
    const sql = 'DROP VIEW IF EXISTS active_users;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  dropping-table
        Dropping view active_users breaks the running app if it still queries it.
        1 | DROP VIEW IF EXISTS active_users;
          | ^
        help: Instead:
              1. Remove active_users from the Drizzle schema and the app's queries, and deploy that app version first.
              2. Drop it in a contract migration, a file that starts with \`-- sdk:phase contract\` and runs after the deploy (\`pnpm sdk db migrate --phase expand\` applies everything before it)."
    `);
  });

  it('reports a materialized view', () => {
    expect(lint('DROP MATERIALIZED VIEW "stats";')[0]?.message).toContain('materialized view stats');
  });

  it('names only the relations not created in this file', () => {
    const [v, ...rest] = lint('CREATE TABLE "tmp" ("a" int);\n--> statement-breakpoint\nDROP TABLE "tmp", "auth"."sessions";');
    expect(rest).toEqual([]);
    expect(v?.message).toMatch(/^Dropping table auth\.sessions breaks/);
  });

  it('accepts dropping a table, view or materialized view created earlier in the same file', () => {
    expect(lint('CREATE TABLE "tmp" ("a" int);\n--> statement-breakpoint\nDROP TABLE "tmp";')).toEqual([]);
    expect(lint('CREATE VIEW v AS SELECT 1 AS one;\nDROP VIEW v;')).toEqual([]);
    expect(lint('CREATE MATERIALIZED VIEW m AS SELECT 1 AS one;\nDROP MATERIALIZED VIEW m;')).toEqual([]);
  });

  it('accepts a view or materialized view created again later in the same transaction, and not a table, nor across a COMMIT', () => {
    expect(lint('DROP VIEW "active";\nALTER TABLE "auth"."sessions" ALTER COLUMN "id" TYPE bigint;\nCREATE VIEW "active" AS SELECT "id" FROM "auth"."sessions";')).toEqual([]);
    expect(lint('DROP MATERIALIZED VIEW "stats";\nCREATE MATERIALIZED VIEW "stats" AS SELECT count(*) FROM "auth"."sessions";')).toEqual([]);
    expect(lint('DROP TABLE "auth"."sessions";\nCREATE TABLE "auth"."sessions" ("id" serial PRIMARY KEY);').map((v) => v.rule)).toEqual(['dropping-table']);
    expect(lint('BEGIN;\nDROP VIEW "active";\nCOMMIT;\nCREATE VIEW "active" AS SELECT 1 AS one;').map((v) => v.rule)).toEqual(['dropping-table']);
  });

  it('follows a rename of a table created in the same file', () => {
    expect(lint('CREATE TABLE "tmp" ("a" int);\nALTER TABLE "tmp" RENAME TO "tmp2";\nDROP TABLE "tmp2";')).toEqual([]);
  });

  it('does not report dropping an index or a type (other rules cover those)', () => {
    expect(lint('DROP INDEX CONCURRENTLY "sessions_idx";')).toEqual([]);
    expect(lint('DROP TYPE "mood";')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  DROP TABLE auth.sessions;\nEND $$;')).toMatchObject([{ rule: 'dropping-table', line: 2, column: 3 }]);
  });
  it('in a contract migration, is a warning that says the running app must no longer query the table', () => {
    const sql = '-- sdk:phase contract\nDROP TABLE "auth"."sessions";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  dropping-table
        Dropping table auth.sessions is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now no longer queries auth.sessions (every instance runs an app version deployed after the expand step that stopped using it).
        2 | DROP TABLE "auth"."sessions";
          | ^
        help: Before it runs, check that no instance still runs an app version that queries auth.sessions, and back up the data: \`sdk db backup --verify\` (a backup proven to restore). Until then, \`pnpm sdk db migrate --phase expand\` applies the migrations before this one and holds it back."
    `);
  });
});
