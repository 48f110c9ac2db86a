import { beforeAll, describe, expect, it } from 'vitest';
import { addCheck } from '../../operations/add-check.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
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
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add check NOT VALID: \`ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0) NOT VALID;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
              Before the contract: deploy the version of the application whose writes satisfy the check before the contract validates it.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              2. validate check (starts a new migration): \`ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_positive";\`
                 locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
              \`sdk db new add-check orders --check '"total" > 0' --constraint-name orders_total_positive\` writes these steps as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
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
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add check NOT VALID: \`ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK (total > 0) NOT VALID;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
              Before the contract: deploy the version of the application whose writes satisfy the check before the contract validates it.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              2. validate check (starts a new migration): \`ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_check";\`
                 locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
              \`sdk db new add-check orders --check "total > 0" --constraint-name orders_total_check\` writes these steps as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
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
    expect(violations[0]?.help).toContain('1. add check NOT VALID: `ALTER TABLE "public"."orders" ADD CONSTRAINT "c" CHECK ("status" IN (\'new\', \'paid\')) NOT VALID;`');
    expect(violations[0]?.help).toContain('These steps replace the DO block the statement is in.');
  });

  it('prints the add-check plan, step for step, with the condition as written and the name PostgreSQL would give it', () => {
    const [v] = lint('ALTER TABLE "orders" ADD CHECK ("total" > 0);');
    const plan = addCheck.plan({ tableSql: '"public"."orders"', display: 'public.orders', name: 'orders_total_check', check: '"total" > 0' });
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    // add-check would name it orders_check: the command names it as the plan does.
    expect(v?.help).toContain(`\`sdk db new add-check orders --check '"total" > 0' --constraint-name orders_total_check\``);
  });

  it('keeps the statement with NOT VALID for what add-check does not write (NO INHERIT, other commands)', () => {
    expect(lint('ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NO INHERIT;')[0]?.help).toContain('1. `ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NO INHERIT NOT VALID;`');
    expect(lint('ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0), ALTER COLUMN status SET DEFAULT \'new\';')[0]?.help).toContain("1. Add `NOT VALID` right after this constraint's definition in the statement.");
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
                expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
                2. add check NOT VALID: \`ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_discount_pct_check" CHECK ("discount_pct" BETWEEN 0 AND 100) NOT VALID;\`
                   locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
                Before the contract: deploy the version of the application whose writes satisfy the check before the contract validates it.
                contract, after the deploy (\`pnpm sdk db migrate\` applies it):
                3. validate check (starts a new migration): \`ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_discount_pct_check";\`
                   locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
                Once step 1 is applied, \`sdk db new add-check orders --check '"discount_pct" BETWEEN 0 AND 100' --constraint-name orders_discount_pct_check\` writes steps 2 to 3 as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
      `);
    });

    it('keeps the other commands and constraints of the statement in step 1, and the CHECK name given', () => {
      const sql = 'alter table orders add column note text, add column pct int not null default 0 constraint pct_range check (pct <= 100);';
      const [v] = lint(sql);
      expect(v?.message).toBe('Adding column pct with CHECK constraint pct_range reads every row of orders to check it, and every read and write of the table waits until it is done: minutes on a big table.');
      expect(v?.help).toContain('1. `alter table orders add column note text, add column pct int not null default 0;`');
      expect(v?.help).toContain('2. add check NOT VALID: `ALTER TABLE "public"."orders" ADD CONSTRAINT "pct_range" CHECK (pct <= 100) NOT VALID;`');
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
