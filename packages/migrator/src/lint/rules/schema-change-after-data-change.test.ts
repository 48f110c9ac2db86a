import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { schemaChangeAfterDataChange as rule } from './schema-change-after-data-change.js';

beforeAll(loadParser);

const HISTORY = ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "plan" text, "tier" text);\nCREATE TABLE "orders" ("id" serial PRIMARY KEY, "user_id" int, "status" text);'];
const lint = (sql: string) => lintSql(sql, { rules: [rule], history: HISTORY });
const BREAK = '\n--> statement-breakpoint\n';

describe('schema-change-after-data-change', () => {
  it('reports an ALTER TABLE after an UPDATE of every row of the same table, at the ALTER, naming the UPDATE\'s line', () => {
    const sql = ['UPDATE "auth"."users" SET "tier" = "plan";', 'ALTER TABLE "auth"."users" ALTER COLUMN "tier" SET NOT NULL;'].join(BREAK);
    const violations = lint(sql);
    expect(violations).toMatchObject([{ rule: 'schema-change-after-data-change', severity: 'error', line: 3 }]);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:3:1  error  schema-change-after-data-change
        The UPDATE on line 1 locks every row of auth.users it changes until the migration commits, and this statement then takes ACCESS EXCLUSIVE on auth.users in the same transaction. The application's writes to those rows wait for the migration, while this statement waits for the application's sessions (each one that has written to auth.users holds ROW EXCLUSIVE on it until it commits): PostgreSQL detects a deadlock and cancels one side, or every write to auth.users stalls until the migration ends, and each retry runs the UPDATE again and repeats the outage.
        3 | ALTER TABLE "auth"."users" ALTER COLUMN "tier" SET NOT NULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), requested while the UPDATE (line 1) holds its row locks
        help: Instead, keep this schema change in a migration of its own, and take the UPDATE (line 1) out of the migrations: once the schema change is deployed, run \`sdk db backfill --table auth.users --set "tier = plan"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes); if this statement needs the changed rows (SET NOT NULL, a CHECK), put it in a migration that runs after that."
    `);
  });

  it('reports a DELETE followed by a CREATE INDEX, and an INSERT ... SELECT followed by an ALTER TABLE', () => {
    expect(lint(['DELETE FROM orders;', 'CREATE INDEX orders_status_idx ON orders (status);'].join(BREAK))[0]?.message).toMatch(
      /^The DELETE on line 1 locks every row of orders it deletes until the migration commits, and this statement then takes SHARE on orders/,
    );
    expect(lint(['INSERT INTO orders (user_id, status) SELECT id, plan FROM auth.users;', 'ALTER TABLE orders ADD COLUMN note text;'].join(BREAK))[0]?.lock).toBe(
      'ACCESS EXCLUSIVE lock on orders (blocks every read and write), requested while the INSERT ... SELECT (line 1) holds its row locks',
    );
  });

  it('reports a foreign key that locks the updated table from another table', () => {
    const sql = ['UPDATE "auth"."users" SET "plan" = \'free\';', 'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "auth"."users" ("id") NOT VALID;'].join(BREAK);
    expect(lint(sql)).toMatchObject([{ line: 3, lock: expect.stringMatching(/^SHARE ROW EXCLUSIVE lock on auth\.users/) }]);
  });

  it('reports the first schema change after the data change only', () => {
    const sql = ['UPDATE orders SET status = \'new\';', 'ALTER TABLE orders ADD COLUMN a int;', 'ALTER TABLE orders ADD COLUMN b int;'].join(BREAK);
    expect(lint(sql).map((v) => v.line)).toEqual([3]);
  });

  it('reports a schema change after a later data change again, but not across a COMMIT', () => {
    const sql = ["UPDATE orders SET status = 'new';", 'ALTER TABLE orders ADD COLUMN a int;', "DELETE FROM orders;", 'ALTER TABLE orders ADD COLUMN b int;'].join(BREAK);
    expect(lint(sql).map((v) => [v.line, v.message.slice(0, 20)])).toEqual([[3, 'The UPDATE on line 1'], [7, 'The DELETE on line 5']]);
    expect(lint(["UPDATE orders SET status = 'new';", 'COMMIT;', 'ALTER TABLE orders ADD COLUMN a int;'].join(BREAK))).toEqual([]);
  });

  it('finds the data change inside a DO block', () => {
    expect(lint("DO $$ BEGIN\n  UPDATE orders SET status = 'new';\nEND $$;\nALTER TABLE orders ADD COLUMN a int;")).toMatchObject([{ line: 4, message: expect.stringContaining('The UPDATE on line 2') }]);
  });

  it('accepts a data change bounded by WHERE, or one on another table', () => {
    expect(lint(['UPDATE orders SET status = \'new\' WHERE status IS NULL;', 'ALTER TABLE orders ALTER COLUMN status SET NOT NULL;'].join(BREAK))).toEqual([]);
    expect(lint(['UPDATE "auth"."users" SET "tier" = "plan";', 'ALTER TABLE orders ADD COLUMN a int;'].join(BREAK))).toEqual([]);
    expect(lint(['INSERT INTO orders (status) VALUES (\'x\');', 'ALTER TABLE orders ADD COLUMN a int;'].join(BREAK))).toEqual([]);
    expect(lint(['INSERT INTO orders (status) SELECT plan FROM auth.users LIMIT 100;', 'ALTER TABLE orders ADD COLUMN a int;'].join(BREAK))).toEqual([]);
    expect(lint(['INSERT INTO orders (status) SELECT plan FROM auth.users LIMIT ALL;', 'ALTER TABLE orders ADD COLUMN a int;'].join(BREAK))).toHaveLength(1);
  });

  it('accepts a schema change that comes first, or one that writers do not wait for', () => {
    expect(lint(['ALTER TABLE orders ADD COLUMN a int;', 'UPDATE orders SET status = \'new\';'].join(BREAK))).toEqual([]);
    expect(lint(['UPDATE orders SET status = \'new\';', 'COMMENT ON TABLE orders IS \'orders\';'].join(BREAK))).toEqual([]);
  });

  it('accepts a schema change in another transaction: a concurrent index build runs alone and commits what came before', () => {
    const sql = ['UPDATE orders SET status = \'new\';', 'CREATE INDEX CONCURRENTLY orders_a_idx ON orders (status);', 'ALTER TABLE orders ADD COLUMN a int;'].join(BREAK);
    expect(lint(sql)).toEqual([]);
  });

  it('accepts changing a table created earlier in the same file (it is new and empty)', () => {
    const sql = ['CREATE TABLE "plans" ("id" int, "name" text);', 'INSERT INTO "plans" SELECT "id", "plan" FROM "auth"."users";', 'UPDATE "plans" SET "name" = lower("name");', 'ALTER TABLE "plans" ADD PRIMARY KEY ("id");'].join(BREAK);
    expect(lint(sql)).toEqual([]);
  });
});
