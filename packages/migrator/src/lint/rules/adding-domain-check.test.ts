import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingDomainCheck as rule } from './adding-domain-check.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

describe('adding-domain-check', () => {
  it('reports a CHECK added to an existing domain, and adds it NOT VALID instead', () => {
    const sql = 'ALTER DOMAIN "public"."positive_amount" ADD CONSTRAINT "positive_amount_check" CHECK (VALUE > 0);';
    const violations = lint(sql, ['CREATE DOMAIN "public"."positive_amount" AS numeric;'], 17);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-domain-check
        Adding this CHECK constraint to domain public.positive_amount checks every column of every table that uses the domain, reading all their rows while writes to those tables wait, which takes minutes on big tables.
        1 | ALTER DOMAIN "public"."positive_amount" ADD CONSTRAINT "positive_amount_check" CHECK (VALUE > 0);
          | ^
        lock: SHARE lock on every table with a column of domain public.positive_amount (blocks every write (INSERT, UPDATE, DELETE); reads continue) while it reads all their rows
        help: Instead, add it without checking the existing rows: \`ALTER DOMAIN "public"."positive_amount" ADD CONSTRAINT "positive_amount_check" CHECK (VALUE > 0) NOT VALID;\`, then, in a later migration (\`pnpm db:generate --custom\`), \`ALTER DOMAIN public.positive_amount VALIDATE CONSTRAINT positive_amount_check;\`. Before PostgreSQL 19, VALIDATE still blocks writes to those tables while it reads them, so run it at a quiet time; new values are checked from the first step on."
    `);
  });

  it('names an unnamed CHECK, so the later VALIDATE can find it', () => {
    const [v] = lint('ALTER DOMAIN email ADD CHECK (VALUE LIKE \'%@%\');');
    expect(v?.help).toContain("`ALTER DOMAIN email ADD CONSTRAINT email_check CHECK (VALUE LIKE '%@%') NOT VALID;`");
    expect(v?.help).toContain('`ALTER DOMAIN email VALIDATE CONSTRAINT email_check;`');
  });

  it('reports NOT NULL, in both spellings, and suggests a CHECK (VALUE IS NOT NULL) NOT VALID', () => {
    const sql = 'ALTER DOMAIN app.email SET NOT NULL;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-domain-check
        Making domain app.email NOT NULL checks every column of every table that uses it, reading all their rows while writes to those tables wait, which takes minutes on big tables.
        1 | ALTER DOMAIN app.email SET NOT NULL;
          | ^
        lock: SHARE lock on every table with a column of domain app.email (blocks every write (INSERT, UPDATE, DELETE); reads continue) while it reads all their rows
        help: Instead, add the rule as a CHECK that skips the existing rows (a domain NOT NULL cannot be NOT VALID): \`ALTER DOMAIN app.email ADD CONSTRAINT email_not_null CHECK (VALUE IS NOT NULL) NOT VALID;\`, then, in a later migration (\`pnpm db:generate --custom\`), \`ALTER DOMAIN app.email VALIDATE CONSTRAINT email_not_null;\`. Before PostgreSQL 19, VALIDATE still blocks writes to those tables while it reads them, so run it at a quiet time; new values are checked from the first step on."
    `);
    expect(lint('ALTER DOMAIN app.email ADD NOT NULL;')).toHaveLength(1);
  });

  it('says VALIDATE lets writes continue from PostgreSQL 19', () => {
    expect(lint('ALTER DOMAIN d ADD CHECK (VALUE > 0);', [], 19)[0]?.help).toContain('SHARE UPDATE EXCLUSIVE, so reads and writes continue');
  });

  it.each([
    ['a CHECK added NOT VALID', 'ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID'],
    ['VALIDATE CONSTRAINT', 'ALTER DOMAIN d VALIDATE CONSTRAINT c'],
    ['DROP NOT NULL', 'ALTER DOMAIN d DROP NOT NULL'],
    ['SET DEFAULT', 'ALTER DOMAIN d SET DEFAULT 0'],
  ])('accepts %s', (_, sql) => {
    expect(lint(sql)).toEqual([]);
  });

  it('accepts constraints on a domain created earlier in the same file', () => {
    const sql = 'CREATE DOMAIN "app"."email" AS text;\n--> statement-breakpoint\nALTER DOMAIN app.email ADD CHECK (VALUE LIKE \'%@%\');\n--> statement-breakpoint\nALTER DOMAIN app.email SET NOT NULL;';
    expect(lint(sql)).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  ALTER DOMAIN d ADD CHECK (VALUE > 0);\nEND $$;')).toMatchObject([{ line: 2, column: 3 }]);
  });

  describe('ADD COLUMN of a domain with constraints', () => {
    const users = 'CREATE TABLE "auth"."users" ("id" uuid PRIMARY KEY NOT NULL);';
    const domain = 'CREATE DOMAIN "public"."positive_int" AS integer CHECK (VALUE > 0);';

    it('reports the rewrite that checks every row, and adds a column of the base type with a CHECK validated later', () => {
      const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "credits" "positive_int";';
      expect(rendered(sql, lint(sql, [domain, users]))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  adding-domain-check
          Adding column credits of domain public.positive_int to auth.users checks the domain's constraints against every existing row and rewrites the whole table, with or without a DEFAULT; every query on auth.users waits until it ends, which takes minutes on a big table.
          1 | ALTER TABLE "auth"."users" ADD COLUMN "credits" "positive_int";
            | ^
          lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the rewrite ends
          help: Instead, add a column of the domain's base type and enforce the domain's rule with a CHECK validated later:
                1. \`ALTER TABLE "auth"."users" ADD COLUMN "credits" integer;\` (only changes the catalog)
                2. \`ALTER TABLE "auth"."users" ADD CONSTRAINT users_credits_check CHECK (...) NOT VALID;\` with the domain's condition, writing "credits" for VALUE (new rows are checked at once)
                3. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT users_credits_check;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)"
      `);
    });

    it('reports it with a DEFAULT too, and keeps the DEFAULT in the suggested column', () => {
      const [v] = lint('ALTER TABLE "auth"."users" ADD COLUMN "credits" positive_int DEFAULT 1 NOT NULL;', [domain, users]);
      expect(v?.help).toContain('`ALTER TABLE "auth"."users" ADD COLUMN "credits" integer DEFAULT 1 NOT NULL;`');
    });

    it('reports a domain made NOT NULL, or given a CHECK later, and forgets a dropped constraint', () => {
      const plain = 'CREATE DOMAIN app.code AS text;';
      const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "code" app.code;';
      expect(lint(sql, [plain, users])).toEqual([]);
      expect(lint(sql, [plain, 'ALTER DOMAIN app.code SET NOT NULL;', users])).toHaveLength(1);
      expect(lint(sql, [plain, "ALTER DOMAIN app.code ADD CHECK (VALUE <> '');", users])).toHaveLength(1);
      expect(lint(sql, [plain, "ALTER DOMAIN app.code ADD CHECK (VALUE <> '');", 'ALTER DOMAIN app.code DROP CONSTRAINT code_check;', users])).toEqual([]);
      expect(lint(sql, ['CREATE DOMAIN app.code AS text NOT NULL;', 'DROP DOMAIN app.code;', plain, users])).toEqual([]);
    });

    it('accepts a domain without constraints, an unknown type, and a table created in the same file', () => {
      expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "note" plain_text;', ['CREATE DOMAIN plain_text AS text DEFAULT \'\';', users])).toEqual([]);
      expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "credits" integer;', [domain, users])).toEqual([]);
      expect(lint(`CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN credits positive_int;`, [domain])).toEqual([]);
    });

    it('finds the statement inside a DO block', () => {
      expect(lint('DO $$ BEGIN\n  ALTER TABLE "auth"."users" ADD COLUMN "credits" positive_int;\nEND $$;', [domain, users])).toMatchObject([{ line: 2, column: 3 }]);
    });
  });
});
