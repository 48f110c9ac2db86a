import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingVolatileDefault as rule } from './adding-volatile-default.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

const users = 'CREATE TABLE "auth"."users" ("id" bigint PRIMARY KEY);';

describe('adding-volatile-default', () => {
  it('reports DEFAULT gen_random_uuid() on an existing table, with the add / set default / backfill recipe', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;';
    const violations = lint(sql, [users]);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-volatile-default
        Adding auth.users.token with DEFAULT gen_random_uuid() rewrites the whole table: PostgreSQL computes the default for every existing row while every query on auth.users waits, which takes minutes on a big table. It calls gen_random_uuid(), which is volatile.
        1 | ALTER TABLE "auth"."users" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the rewrite ends
        help: Instead:
              1. Add the column without the default and without NOT NULL: \`ALTER TABLE "auth"."users" ADD COLUMN "token" uuid;\`
              2. Set the default for new rows only (a catalog change, no rewrite): \`ALTER TABLE "auth"."users" ALTER COLUMN "token" SET DEFAULT gen_random_uuid();\`
              3. Once that is applied, backfill the existing rows: \`sdk db backfill --table auth.users --set "token = gen_random_uuid()" --where "token IS NULL"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes).
              4. Once the backfill is done, make it NOT NULL without a long lock in a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE "auth"."users" ADD CONSTRAINT "token_not_null" CHECK ("token" IS NOT NULL) NOT VALID;\`, then \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "token_not_null";\`, then \`ALTER TABLE "auth"."users" ALTER COLUMN "token" SET NOT NULL;\` (it uses the validated CHECK instead of scanning) and \`ALTER TABLE "auth"."users" DROP CONSTRAINT "token_not_null";\`."
    `);
  });

  it('takes an undeclared function as volatile, and says so', () => {
    const sql = 'ALTER TABLE users ADD COLUMN code text DEFAULT make_code(8);';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-volatile-default
        Adding users.code with DEFAULT make_code(8) rewrites the whole table: PostgreSQL computes the default for every existing row while every query on users waits, which takes minutes on a big table. It calls make_code(), which is not declared STABLE or IMMUTABLE in the migrations linted here, so it is taken as volatile (the CREATE FUNCTION default).
        1 | ALTER TABLE users ADD COLUMN code text DEFAULT make_code(8);
          | ^
        lock: ACCESS EXCLUSIVE lock on users (blocks every read and write) until the rewrite ends
        help: Instead:
              1. Add the column without the default: \`ALTER TABLE users ADD COLUMN code text;\`
              2. Set the default for new rows only (a catalog change, no rewrite): \`ALTER TABLE users ALTER COLUMN code SET DEFAULT make_code(8);\`
              3. Once that is applied, backfill the existing rows: \`sdk db backfill --table users --set "code = make_code(8)" --where "code IS NULL"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes)."
    `);
  });

  it.each([
    ['random()', "ALTER TABLE users ADD COLUMN r float8 DEFAULT random()"],
    ['clock_timestamp()', 'ALTER TABLE users ADD COLUMN t timestamptz DEFAULT clock_timestamp()'],
    ["nextval('seq')", "ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('users_n_seq'::regclass)"],
    ['a volatile call inside an expression', "ALTER TABLE users ADD COLUMN s text DEFAULT 'u-' || md5(random()::text)"],
  ])('reports %s', (_, sql) => {
    expect(lint(sql).map((v) => v.rule)).toEqual(['adding-volatile-default']);
  });

  it.each([
    ['a constant', "ALTER TABLE users ADD COLUMN status text DEFAULT 'active' NOT NULL"],
    ['now()', 'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()'],
    ['CURRENT_TIMESTAMP', 'ALTER TABLE users ADD COLUMN created_at timestamp DEFAULT CURRENT_TIMESTAMP'],
    ['CURRENT_DATE', 'ALTER TABLE users ADD COLUMN d date DEFAULT CURRENT_DATE'],
    ['a cast constant', "ALTER TABLE users ADD COLUMN tags jsonb DEFAULT '[]'::jsonb"],
    ['extract() over now()', 'ALTER TABLE "sessions" ADD COLUMN "created_epoch" bigint DEFAULT extract(epoch from now())::bigint NOT NULL'],
    ['date_part()', "ALTER TABLE users ADD COLUMN y int DEFAULT date_part('year', now())"],
    ['a range constructor', "ALTER TABLE users ADD COLUMN during tstzrange DEFAULT tstzrange(now(), NULL)"],
    ['point()', 'ALTER TABLE users ADD COLUMN at point DEFAULT point(0, 0)'],
    ['NULL', 'ALTER TABLE users ADD COLUMN note text DEFAULT NULL'],
    ['no default', 'ALTER TABLE users ADD COLUMN note text'],
    ['SET DEFAULT on an existing column (new rows only)', 'ALTER TABLE users ALTER COLUMN id SET DEFAULT gen_random_uuid()'],
  ])('accepts %s on PostgreSQL 11+', (_, sql) => {
    expect(lint(sql)).toEqual([]);
  });

  it('accepts a function an earlier migration declared STABLE or IMMUTABLE, and reports one declared VOLATILE', () => {
    const stable = "CREATE FUNCTION tenant_default() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'acme' $$;";
    expect(lint('ALTER TABLE users ADD COLUMN tenant text DEFAULT tenant_default();', [stable])).toEqual([]);
    const volatile = "CREATE FUNCTION pick() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT 'x' $$;";
    expect(lint('ALTER TABLE users ADD COLUMN p text DEFAULT pick();', [volatile])[0]?.message).toContain('It calls pick(), which is declared VOLATILE.');
  });

  it('accepts any default on a table created earlier in the same file', () => {
    const sql = 'CREATE TABLE "t" ("id" int);\n--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "u" uuid DEFAULT gen_random_uuid();';
    expect(lint(sql)).toEqual([]);
  });

  it('reports any non-NULL default before PostgreSQL 11, which rewrites for every default', () => {
    const sql = "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';";
    const violations = lint(sql, [], 10);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-volatile-default
        Before PostgreSQL 11, adding a column with a DEFAULT rewrites the whole table: users.status gets its default written into every existing row while every query on users waits, which takes minutes on a big table.
        1 | ALTER TABLE users ADD COLUMN status text DEFAULT 'active';
          | ^
        lock: ACCESS EXCLUSIVE lock on users (blocks every read and write) until the rewrite ends
        help: Instead:
              1. Add the column without the default: \`ALTER TABLE users ADD COLUMN status text;\`
              2. Set the default for new rows only (a catalog change, no rewrite): \`ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active';\`
              3. Once that is applied, backfill the existing rows: \`sdk db backfill --table users --set "status = 'active'" --where "status IS NULL"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes)."
    `);
    expect(lint('ALTER TABLE users ADD COLUMN note text DEFAULT NULL::text;', [], 10)).toEqual([]);
  });

  it('keeps the other commands of the statement and the user\'s spelling in step 1', () => {
    const [v] = lint('alter table users add column a int, add column b uuid constraint b_default default gen_random_uuid() unique;');
    expect(v?.help).toContain('1. Add the column without the default: `alter table users add column a int, add column b uuid unique;`');
    expect(v?.help).toContain('ALTER TABLE users ALTER COLUMN b SET DEFAULT gen_random_uuid();');
  });

  it('moves a PRIMARY KEY out of the bare column, into a concurrent index', () => {
    const [v] = lint('ALTER TABLE "orders" ADD COLUMN "uid" uuid DEFAULT gen_random_uuid() PRIMARY KEY;');
    expect(v?.help).toContain('1. Add the column without the default and without the PRIMARY KEY: `ALTER TABLE "orders" ADD COLUMN "uid" uuid;`');
    expect(v?.help).toContain('`CREATE UNIQUE INDEX CONCURRENTLY "orders_pkey" ON "orders" ("uid");`');
  });

  it('cuts the statement at the right places after non-ASCII names', () => {
    const [v] = lint('ALTER TABLE "usérs" ADD COLUMN "jeton_🔑" uuid DEFAULT gen_random_uuid() NOT NULL;');
    expect(v?.help).toContain('`ALTER TABLE "usérs" ADD COLUMN "jeton_🔑" uuid;`');
    expect(v?.help).toContain('ALTER COLUMN "jeton_🔑" SET DEFAULT gen_random_uuid();');
  });

  it('reports drizzle-kit output statement by statement', () => {
    const sql = [
      'ALTER TABLE "auth"."users" ADD COLUMN "status" text DEFAULT \'active\' NOT NULL;',
      'ALTER TABLE "auth"."users" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid();',
    ].join('--> statement-breakpoint\n');
    expect(lint(sql, [users])).toMatchObject([{ line: 2, column: 1, rule: 'adding-volatile-default' }]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE users ADD COLUMN u uuid DEFAULT gen_random_uuid();\nEXCEPTION WHEN duplicate_column THEN null; END $$;');
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ line: 2, column: 3 });
  });

  it('spells the table as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nALTER TABLE "auth"."users" ADD COLUMN "token" uuid DEFAULT gen_random_uuid();';
    const [v] = lint(sql, [users]);
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" ALTER COLUMN "token" SET DEFAULT gen_random_uuid();`');
  });
});
