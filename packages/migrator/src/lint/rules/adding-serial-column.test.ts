import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingSerialColumn as rule } from './adding-serial-column.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

describe('adding-serial-column', () => {
  it('reports a bigserial column on an existing table, with the sequence / backfill recipe', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "seq" bigserial NOT NULL;';
    const violations = lint(sql, ['CREATE TABLE "auth"."users" ("id" uuid PRIMARY KEY);']);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-serial-column
        Adding auth.users.seq as bigserial rewrites the whole table: PostgreSQL fills every existing row from a new sequence while every query on auth.users waits, which takes minutes on a big table.
        1 | ALTER TABLE "auth"."users" ADD COLUMN "seq" bigserial NOT NULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the rewrite ends
        help: Instead, fill it in steps:
              1. Add a plain column: \`ALTER TABLE "auth"."users" ADD COLUMN "seq" bigint;\`
              2. Create its sequence and give new rows their value from it (catalog changes, no rewrite): \`CREATE SEQUENCE "auth"."users_seq_seq" AS bigint OWNED BY "auth"."users"."seq";\` and \`ALTER TABLE "auth"."users" ALTER COLUMN "seq" SET DEFAULT nextval('auth.users_seq_seq');\`
              3. Backfill the existing rows in batches, each batch in its own transaction (from a script or job: one migration runs in one transaction), repeating \`UPDATE "auth"."users" SET "seq" = nextval('auth.users_seq_seq') WHERE ctid = ANY (ARRAY(SELECT ctid FROM "auth"."users" WHERE "seq" IS NULL LIMIT 5000));\` until it updates no rows.
              4. Once the backfill is done, make it NOT NULL without a long lock in a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE "auth"."users" ADD CONSTRAINT "seq_not_null" CHECK ("seq" IS NOT NULL) NOT VALID;\`, then \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "seq_not_null";\`, then \`ALTER TABLE "auth"."users" ALTER COLUMN "seq" SET NOT NULL;\` (it uses the validated CHECK instead of scanning) and \`ALTER TABLE "auth"."users" DROP CONSTRAINT "seq_not_null";\`."
    `);
  });

  it('reports an identity primary key, and adds the concurrent index and identity steps', () => {
    const sql = 'ALTER TABLE orders ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-serial-column
        Adding orders.id GENERATED ALWAYS AS IDENTITY rewrites the whole table: PostgreSQL fills every existing row from its identity sequence while every query on orders waits, which takes minutes on a big table.
        1 | ALTER TABLE orders ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
          | ^
        lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write) until the rewrite ends
        help: Instead, fill it in steps:
              1. Add a plain column: \`ALTER TABLE orders ADD COLUMN id bigint;\`
              2. Create its sequence and give new rows their value from it (catalog changes, no rewrite): \`CREATE SEQUENCE orders_id_seq AS bigint OWNED BY orders.id;\` and \`ALTER TABLE orders ALTER COLUMN id SET DEFAULT nextval('orders_id_seq');\`
              3. Backfill the existing rows in batches, each batch in its own transaction (from a script or job: one migration runs in one transaction), repeating \`UPDATE orders SET id = nextval('orders_id_seq') WHERE ctid = ANY (ARRAY(SELECT ctid FROM orders WHERE id IS NULL LIMIT 5000));\` until it updates no rows.
              4. Once the backfill is done, make it NOT NULL without a long lock in a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE orders ADD CONSTRAINT id_not_null CHECK (id IS NOT NULL) NOT VALID;\`, then \`ALTER TABLE orders VALIDATE CONSTRAINT id_not_null;\`, then \`ALTER TABLE orders ALTER COLUMN id SET NOT NULL;\` (it uses the validated CHECK instead of scanning) and \`ALTER TABLE orders DROP CONSTRAINT id_not_null;\`.
              5. Build its unique index without blocking writes: \`CREATE UNIQUE INDEX CONCURRENTLY orders_pkey ON orders (id);\`, then \`ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;\`.
              6. To make it an identity column once it is NOT NULL: \`ALTER TABLE orders ALTER COLUMN id DROP DEFAULT, ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH n);\` with n above the largest value (a catalog change), then \`DROP SEQUENCE orders_id_seq;\`."
    `);
  });

  it.each([
    ['serial', 'ALTER TABLE t ADD COLUMN n serial'],
    ['smallserial', 'ALTER TABLE t ADD n smallserial'],
    ['serial8', 'ALTER TABLE t ADD COLUMN IF NOT EXISTS n serial8'],
    ['GENERATED BY DEFAULT AS IDENTITY', 'ALTER TABLE t ADD COLUMN n int GENERATED BY DEFAULT AS IDENTITY'],
  ])('reports %s', (_, sql) => {
    expect(lint(sql).map((v) => v.rule)).toEqual(['adding-serial-column']);
  });

  it('takes the sequence type from the serial type', () => {
    expect(lint('ALTER TABLE t ADD COLUMN n smallserial')[0]?.help).toContain('`CREATE SEQUENCE t_n_seq AS smallint OWNED BY t.n;`');
  });

  it('accepts serial and identity columns on a table created earlier in the same file', () => {
    const sql = 'CREATE TABLE "t" ("x" int);\n--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "id" bigserial, ADD COLUMN "n" int GENERATED ALWAYS AS IDENTITY;';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts plain integer columns, and turning an existing column into an identity (a catalog change)', () => {
    expect(lint('ALTER TABLE t ADD COLUMN n bigint;')).toEqual([]);
    expect(lint('ALTER TABLE t ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE t ADD COLUMN n serial;\nEXCEPTION WHEN duplicate_column THEN null; END $$;');
    expect(violations).toMatchObject([{ line: 2, column: 3 }]);
  });

  it('keeps the NOT NULL steps right before PostgreSQL 12, where SET NOT NULL scans', () => {
    expect(lint('ALTER TABLE t ADD COLUMN n serial;', [], 11)[0]?.help).toContain('SET NOT NULL itself scans the table under ACCESS EXCLUSIVE before PostgreSQL 12');
  });

  it('spells the table as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nALTER TABLE "auth"."users" ADD COLUMN "n" bigserial;';
    const [v] = lint(sql, ['CREATE TABLE "auth"."users" ("id" integer);']);
    expect(v?.help).toContain('1. Add a plain column: `ALTER TABLE "auth"."users" ADD COLUMN "n" bigint;`');
  });
});
