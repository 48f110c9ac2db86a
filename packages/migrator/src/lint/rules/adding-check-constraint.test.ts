import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { addingCheckConstraint as rule } from './adding-check-constraint.js';

beforeAll(loadParser);

const orders = 'CREATE TABLE "orders" ("id" serial PRIMARY KEY, "total" integer, "status" text);';
const lint = (sql: string, history: string[] = [orders]) => lintSql(sql, { rules: [rule], history });

describe('adding-check-constraint', () => {
  it('reports a CHECK added to an existing table and rebuilds it with NOT VALID', () => {
    const sql = 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0);';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-check-constraint
        Adding CHECK constraint orders_total_positive reads every row of orders to validate it, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0);
          | ^
        lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write), held while every row is checked
        help: Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:
              1. \`ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0) NOT VALID;\`
              2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)"
    `);
  });

  it('names an unnamed CHECK the way PostgreSQL would, so the later migration can validate it', () => {
    const sql = 'alter table orders add check (total > 0)';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-check-constraint
        Adding a CHECK constraint reads every row of orders to validate it, and every read and write of the table waits until it is done: minutes on a big table.
        1 | alter table orders add check (total > 0)
          | ^
        lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write), held while every row is checked
        help: Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:
              1. \`alter table orders add CONSTRAINT orders_total_check check (total > 0) NOT VALID;\` (named, so that a later migration can validate it)
              2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)"
    `);
  });

  it('accepts NOT VALID', () => {
    expect(lint('ALTER TABLE "orders" ADD CONSTRAINT "c" CHECK ("total" > 0) NOT VALID;')).toEqual([]);
  });

  it('accepts PostgreSQL 18 NOT ENFORCED, which reads no rows', () => {
    expect(lint('ALTER TABLE "orders" ADD CONSTRAINT "c" CHECK ("total" > 0) NOT ENFORCED;')).toEqual([]);
  });

  it('accepts a CHECK on a table created earlier in the same file', () => {
    expect(lint(`${orders}\n--> statement-breakpoint\nALTER TABLE "orders" ADD CONSTRAINT "c" CHECK ("total" > 0);`, [])).toEqual([]);
  });

  it('accepts a CHECK on a foreign table, whose rows PostgreSQL does not read', () => {
    expect(lint('ALTER FOREIGN TABLE "remote_orders" ADD CONSTRAINT "c" CHECK ("total" > 0);')).toEqual([]);
  });

  it('accepts other constraints', () => {
    expect(lint('ALTER TABLE "orders" ADD CONSTRAINT "u" UNIQUE USING INDEX "i";')).toEqual([]);
  });

  it('says where NOT VALID goes when the statement has several commands', () => {
    const [v] = lint('ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0), ADD COLUMN note text;');
    expect(v?.help).toContain("1. Add `NOT VALID` right after this constraint's definition in the statement.");
    expect(v?.help).toContain('`ALTER TABLE orders VALIDATE CONSTRAINT total_positive;`');
  });

  it('finds a CHECK inside a DO block and keeps it there', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE "public"."orders" ADD CONSTRAINT "c" CHECK ("status" IN (\'new\', \'paid\'));\nEXCEPTION WHEN duplicate_object THEN null; END $$;');
    expect(violations).toMatchObject([{ rule: 'adding-check-constraint', line: 2, column: 3 }]);
    expect(violations[0]?.help).toContain('`ALTER TABLE "public"."orders" ADD CONSTRAINT "c" CHECK ("status" IN (\'new\', \'paid\')) NOT VALID;` (in place of the statement inside the DO block)');
  });

  describe('ADD COLUMN ... CHECK', () => {
    it('reports a CHECK on a new column: it is checked against every existing row under the lock', () => {
      const sql = 'ALTER TABLE "orders" ADD COLUMN "discount_pct" integer CHECK ("discount_pct" BETWEEN 0 AND 100);';
      expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  adding-check-constraint
          Adding column discount_pct with a CHECK constraint reads every row of orders to check it, and every read and write of the table waits until it is done: minutes on a big table.
          1 | ALTER TABLE "orders" ADD COLUMN "discount_pct" integer CHECK ("discount_pct" BETWEEN 0 AND 100);
            | ^
          lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write), held while every row is checked
          help: Instead, add the column without the CHECK, then add the CHECK NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:
                1. \`ALTER TABLE "orders" ADD COLUMN "discount_pct" integer;\`
                2. In the same migration: \`ALTER TABLE orders ADD CONSTRAINT orders_discount_pct_check CHECK ("discount_pct" BETWEEN 0 AND 100) NOT VALID;\`
                3. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE orders VALIDATE CONSTRAINT orders_discount_pct_check;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)"
      `);
    });

    it('keeps the other commands and constraints of the statement in step 1, and the CHECK name given', () => {
      const sql = 'alter table orders add column note text, add column pct int not null default 0 constraint pct_range check (pct <= 100);';
      const [v] = lint(sql);
      expect(v?.message).toBe('Adding column pct with CHECK constraint pct_range reads every row of orders to check it, and every read and write of the table waits until it is done: minutes on a big table.');
      expect(v?.help).toContain('1. `alter table orders add column note text, add column pct int not null default 0;`');
      expect(v?.help).toContain('2. In the same migration: `ALTER TABLE orders ADD CONSTRAINT pct_range CHECK (pct <= 100) NOT VALID;`');
    });

    it('accepts it on a table created earlier in the same file, and a new column without CHECK', () => {
      expect(lint(`${orders}\n--> statement-breakpoint\nALTER TABLE "orders" ADD COLUMN "pct" integer CHECK ("pct" >= 0);`, [])).toEqual([]);
      expect(lint('ALTER TABLE "orders" ADD COLUMN "pct" integer DEFAULT 0 NOT NULL;')).toEqual([]);
    });

    it('finds it inside a DO block', () => {
      const sql = 'DO $$ BEGIN\n  ALTER TABLE orders ADD COLUMN pct integer CHECK (pct >= 0);\nEND $$;';
      const [v] = lint(sql);
      expect(v).toMatchObject({ line: 2, column: 3 });
      expect(v?.help).toContain('1. `ALTER TABLE orders ADD COLUMN pct integer;` (in place of the statement inside the DO block)');
    });
  });
});
