import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { columnUsedByView as rule } from './column-used-by-view.js';

beforeAll(loadParser);

const lint = (sql: string, history: string[] = []) => lintSql(sql, { rules: [rule], history });
const TABLES = 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text, "name" text);\nCREATE TABLE "orgs" ("id" serial PRIMARY KEY, "title" text);';
const ids = (sql: string, history: string[] = [TABLES]) => lint(sql, history).map((v) => v.message.split(' while ')[0]);

// Each verdict below was checked on PostgreSQL 15: the refusals are the server's own messages.
describe('column-used-by-view', () => {
  it('reports a type change of a column a view created in an earlier migration reads, with the view to drop and create again', () => {
    const sql = 'ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(100);';
    expect(rendered(sql, lint(sql, [TABLES, 'CREATE VIEW "active_users" AS (SELECT "id", "email" FROM "users");']))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  column-used-by-view
        PostgreSQL refuses to change the type of users.email while the view active_users reads it ("cannot alter type of a column used by a view or rule"), so the migration fails at this statement.
        1 | ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(100);
          | ^
        help: In the same migration, drop the view first: \`DROP VIEW active_users;\` then \`ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(100);\`, then create it again: \`CREATE VIEW "active_users" AS (SELECT "id", "email" FROM "users");\`. The migration's transaction hides the moment the view is missing from every other session, which waits for the commit (ACCESS EXCLUSIVE on the view)."
    `);
  });

  it('reports dropping such a column without CASCADE, and not with CASCADE (drop-cascade says what that drops)', () => {
    const history = [TABLES, 'CREATE VIEW "active_users" AS SELECT "id" FROM "users" WHERE "email" IS NOT NULL;'];
    expect(ids('ALTER TABLE "users" DROP COLUMN "email";', history)).toEqual(['PostgreSQL refuses to drop users.email']);
    expect(ids('ALTER TABLE "users" DROP COLUMN "email" CASCADE;', history)).toEqual([]);
  });

  it('attributes qualified and unqualified columns of a join to their tables, and a * to the columns the table had then', () => {
    const history = [TABLES, 'CREATE MATERIALIZED VIEW "mv" AS SELECT u.name, title FROM "users" u JOIN "orgs" o ON o.id = u.id;', 'CREATE VIEW "all_orgs" AS SELECT * FROM "orgs";'];
    expect(ids('ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(100);', history)).toEqual(['PostgreSQL refuses to change the type of users.name']);
    expect(ids('ALTER TABLE "orgs" ALTER COLUMN "title" TYPE varchar(100);', history)).toEqual(['PostgreSQL refuses to change the type of orgs.title']);
    // Only users has email; orgs got extra after the * was expanded.
    expect(ids('ALTER TABLE "users" ALTER COLUMN "email" TYPE varchar(100);', history)).toEqual([]);
    expect(ids('ALTER TABLE "orgs" ADD COLUMN "extra" text;\nALTER TABLE "orgs" ALTER COLUMN "extra" TYPE varchar(10);', history)).toEqual([]);
  });

  it('follows renames of the column, the table and the view, and forgets a dropped view', () => {
    const history = [TABLES, 'CREATE VIEW "v" AS SELECT "name" FROM "users";'];
    expect(ids('ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";\nALTER TABLE "users" ALTER COLUMN "full_name" TYPE varchar(100);', history)).toEqual([
      'PostgreSQL refuses to change the type of users.full_name',
    ]);
    expect(ids('ALTER TABLE "users" RENAME TO "people";\nALTER TABLE "people" ALTER COLUMN "name" TYPE varchar(100);', history)).toEqual([
      'PostgreSQL refuses to change the type of people.name',
    ]);
    expect(lint('ALTER VIEW "v" RENAME TO "w";\nALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(100);', history)[0]?.message).toContain('the view w reads it');
    expect(ids('DROP VIEW "v";\nALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(100);', history)).toEqual([]);
  });

  it('counts a column of a table it does not know as read by a view that names it unqualified, and says nothing without a view', () => {
    expect(ids('ALTER TABLE "accounts" ALTER COLUMN "plan" TYPE text;', ['CREATE VIEW "paying" AS SELECT "id" FROM "accounts" WHERE "plan" <> \'free\';'])).toEqual([
      'PostgreSQL refuses to change the type of accounts.plan',
    ]);
    expect(ids('ALTER TABLE "users" ALTER COLUMN "email" TYPE varchar(100);')).toEqual([]);
  });
});
