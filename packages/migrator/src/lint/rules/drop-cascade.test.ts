import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { dropCascade as rule } from './drop-cascade.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "phone" text);'] });

describe('drop-cascade', () => {
  it('reports DROP TABLE ... CASCADE and gives the RESTRICT form of the statement', () => {
    const sql = 'DROP TABLE "auth"."users" CASCADE;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  drop-cascade
        Dropping table auth.users with CASCADE also silently drops the views that select from it and the foreign keys of other tables that reference it; the running app may still rely on them.
        1 | DROP TABLE "auth"."users" CASCADE;
          | ^
        help: Drop the dependents explicitly first, then use RESTRICT (the default): \`DROP TABLE "auth"."users";\`, which refuses and names whatever still depends on it instead of dropping it silently (run it on a copy of production to get the list)."
    `);
  });

  it('reports DROP TYPE ... CASCADE, which drops the columns of that type with their data', () => {
    const [v] = lint('DROP TYPE "public"."mood" CASCADE;');
    expect(v?.message).toContain('every column of that type in every table, with its data');
    expect(v?.help).toContain('`DROP TYPE "public"."mood";`');
  });

  it('reports ALTER TABLE ... DROP COLUMN / DROP CONSTRAINT ... CASCADE', () => {
    const sql = 'ALTER TABLE "auth"."users" DROP COLUMN "phone" CASCADE;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  drop-cascade
        Dropping column phone of auth.users with CASCADE also silently drops the views, indexes and constraints that use the column; the running app may still rely on them.
        1 | ALTER TABLE "auth"."users" DROP COLUMN "phone" CASCADE;
          | ^
        help: Drop the dependents explicitly first, then use RESTRICT (the default): \`ALTER TABLE "auth"."users" DROP COLUMN "phone";\`, which refuses and names whatever still depends on it instead of dropping it silently (run it on a copy of production to get the list)."
    `);
    expect(lint('ALTER TABLE auth.users DROP CONSTRAINT users_pkey CASCADE;')[0]?.message).toContain('the foreign keys of other tables that rely on its index');
  });

  it('reports other object types: functions, extensions, indexes, DROP OWNED', () => {
    expect(lint('DROP FUNCTION set_updated_at() CASCADE;')).toHaveLength(1);
    expect(lint('DROP EXTENSION "pgcrypto" CASCADE;')).toHaveLength(1);
    expect(lint('DROP INDEX "users_email_idx" CASCADE;')).toHaveLength(1);
    expect(lint('DROP OWNED BY legacy_app CASCADE;')).toHaveLength(1);
  });

  it('accepts RESTRICT and the default', () => {
    expect(lint('DROP TABLE "auth"."users";')).toEqual([]);
    expect(lint('DROP TABLE "auth"."users" RESTRICT;')).toEqual([]);
    expect(lint('ALTER TABLE "auth"."users" DROP COLUMN "phone";')).toEqual([]);
  });

  it('accepts CASCADE on objects created earlier in the same file', () => {
    expect(lint('CREATE TABLE "tmp" ("a" int);\n--> statement-breakpoint\nDROP TABLE "tmp" CASCADE;')).toEqual([]);
    expect(lint('CREATE TABLE "tmp" ("a" int);\n--> statement-breakpoint\nALTER TABLE "tmp" DROP COLUMN "a" CASCADE;')).toEqual([]);
    expect(lint("CREATE TYPE mood AS ENUM ('ok');\nDROP TYPE mood CASCADE;")).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  DROP VIEW IF EXISTS active_users CASCADE;\nEND $$;')).toMatchObject([{ rule: 'drop-cascade', line: 2, column: 3 }]);
  });
});
