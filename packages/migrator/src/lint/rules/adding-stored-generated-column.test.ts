import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingStoredGeneratedColumn as rule } from './adding-stored-generated-column.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

describe('adding-stored-generated-column', () => {
  it('reports a STORED generated column on an existing table, offering VIRTUAL on PostgreSQL 18', () => {
    const sql = 'ALTER TABLE "shop"."orders" ADD COLUMN "total" numeric GENERATED ALWAYS AS ("price" * "quantity") STORED;';
    const violations = lint(sql, [], 18);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-stored-generated-column
        Adding shop.orders.total as a STORED generated column rewrites the whole table: PostgreSQL computes it for every existing row while every query on shop.orders waits, which takes minutes on a big table.
        1 | ALTER TABLE "shop"."orders" ADD COLUMN "total" numeric GENERATED ALWAYS AS ("price" * "quantity") STORED;
          | ^
        lock: ACCESS EXCLUSIVE lock on shop.orders (blocks every read and write) until the rewrite ends
        help: If you do not need to index it and it calls only built-in functions, make it VIRTUAL, computed when read, so that adding it only changes the catalog: \`ALTER TABLE "shop"."orders" ADD COLUMN "total" numeric GENERATED ALWAYS AS ("price" * "quantity") VIRTUAL;\`. Otherwise:
              1. Add a plain column instead: \`ALTER TABLE "shop"."orders" ADD COLUMN "total" numeric;\`
              2. In the same migration, compute it with a BEFORE INSERT OR UPDATE trigger that sets \`NEW."total"\` to \`("price" * "quantity")\` computed from NEW; apply it with \`pnpm sdk db migrate --phase expand\`.
              3. Once that is applied, backfill the existing rows: \`sdk db backfill --table shop.orders --set "total = (price * quantity)" --where "total IS DISTINCT FROM (price * quantity)"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes)."
    `);
  });

  it('offers only the trigger recipe before PostgreSQL 18', () => {
    const sql = 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) STORED NOT NULL;';
    const [v] = lint(sql, [], 17);
    expect(v?.help).not.toContain('VIRTUAL');
    expect(v?.help).toContain('1. Add a plain column instead: `ALTER TABLE orders ADD COLUMN total numeric;`');
  });

  it('reports SET EXPRESSION, which computes the stored column again', () => {
    const sql = 'ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (price * quantity * (1 - discount));';
    const violations = lint(sql, [], 17);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-stored-generated-column
        Changing the expression of orders.total rewrites the whole table: PostgreSQL computes the stored column again for every row while every query on orders waits, which takes minutes on a big table.
        1 | ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (price * quantity * (1 - discount));
          | ^
        lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write) until the rewrite ends
        help: Instead:
              1. In one migration, turn it into a plain column that keeps its values (no rewrite, PostgreSQL 13+): \`ALTER TABLE orders ALTER COLUMN total DROP EXPRESSION;\`, and compute it with a BEFORE INSERT OR UPDATE trigger that sets \`NEW.total\` to \`(price * quantity * (1 - discount))\` computed from NEW.
              2. Once that is applied, backfill the existing rows: \`sdk db backfill --table orders --set "total = (price * quantity * (1 - discount))" --where "total IS DISTINCT FROM (price * quantity * (1 - discount))"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes)."
    `);
  });

  it('says on PostgreSQL 18 that SET EXPRESSION on a VIRTUAL column rewrites nothing', () => {
    const [v] = lint('ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (price * 2);', [], 18);
    expect(v?.message).toContain('If total is a VIRTUAL column, nothing is rewritten');
  });

  it('accepts SET EXPRESSION on a column this file added as VIRTUAL', () => {
    const sql = 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * 2) VIRTUAL;\nALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (price * 3);';
    expect(lint(sql, [], 18)).toEqual([]);
  });

  it.each([
    ['a VIRTUAL generated column', 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * 2) VIRTUAL'],
    ['a generated column without STORED (VIRTUAL by default on PostgreSQL 18)', 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * 2)'],
    ['DROP EXPRESSION', 'ALTER TABLE orders ALTER COLUMN total DROP EXPRESSION'],
  ])('accepts %s', (_, sql) => {
    expect(lint(sql, [], 18)).toEqual([]);
  });

  it('accepts a STORED column on a table created earlier in the same file', () => {
    const sql = 'CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "b" int GENERATED ALWAYS AS ("a" + 1) STORED;';
    expect(lint(sql)).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a + 1) STORED;\nEND $$;');
    expect(violations).toMatchObject([{ line: 2, column: 3 }]);
  });

  it('spells the table as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nALTER TABLE "shop"."orders" ADD COLUMN "total" numeric GENERATED ALWAYS AS ("price" * "quantity") STORED;';
    const [v] = lint(sql, ['CREATE TABLE "shop"."orders" ("price" numeric, "quantity" integer);'], 17);
    expect(v?.help).toContain('`sdk db backfill --table shop.orders --set "total = (price * quantity)" --where "total IS DISTINCT FROM (price * quantity)"`');
  });
});
