import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { settingTablespace as rule } from './setting-tablespace.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

describe('setting-tablespace', () => {
  it('reports moving an existing table, and points to pg_repack', () => {
    const sql = 'ALTER TABLE "auth"."users" SET TABLESPACE fast_ssd;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-tablespace
        Moving auth.users to tablespace fast_ssd copies every file of the table while every query on auth.users waits, which takes minutes on a big table (its indexes stay where they are).
        1 | ALTER TABLE "auth"."users" SET TABLESPACE fast_ssd;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the copy ends
        help: Instead, move it online with pg_repack, which holds ACCESS EXCLUSIVE only briefly at the start and the end: \`pg_repack --table=auth.users --tablespace=fast_ssd --moveidx\`. Or run this at a quiet time, and create new tables in the right tablespace from the start (\`CREATE TABLE ... TABLESPACE ...\`)."
    `);
  });

  it('reports moving an index, and rebuilds it concurrently in the new tablespace on PostgreSQL 14+', () => {
    const sql = 'ALTER INDEX "auth"."users_email_idx" SET TABLESPACE fast_ssd;';
    expect(rendered(sql, lint(sql, [], 16))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-tablespace
        Moving index auth.users_email_idx to tablespace fast_ssd copies every file of the index while holding ACCESS EXCLUSIVE on it; queries on its table wait too, because planning a query locks every index of the table.
        1 | ALTER INDEX "auth"."users_email_idx" SET TABLESPACE fast_ssd;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users_email_idx (blocks every read and write) until the copy ends
        help: Build a copy in the new tablespace without blocking reads or writes instead: \`REINDEX (TABLESPACE fast_ssd) INDEX CONCURRENTLY "auth"."users_email_idx";\` (the runner runs it outside a transaction)."
    `);
  });

  it('builds a concurrent copy by hand before PostgreSQL 14', () => {
    expect(lint('ALTER INDEX i SET TABLESPACE x;', [], 13)[0]?.help).toContain('`CREATE INDEX CONCURRENTLY ... TABLESPACE x`');
  });

  it('reports moving a materialized view, and ALL IN TABLESPACE', () => {
    expect(lint('ALTER MATERIALIZED VIEW stats SET TABLESPACE x;')[0]?.message).toContain('materialized view stats');
    const sql = 'ALTER TABLE ALL IN TABLESPACE slow SET TABLESPACE fast;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-tablespace
        Moving every table in tablespace slow to fast copies all their files, locking each one with ACCESS EXCLUSIVE until the transaction ends; queries on each wait from the moment it is locked.
        1 | ALTER TABLE ALL IN TABLESPACE slow SET TABLESPACE fast;
          | ^
        lock: ACCESS EXCLUSIVE lock on every table in tablespace slow (blocks every read and write), each held until the transaction ends
        help: Instead, move them one at a time with an online method: pg_repack (\`pg_repack --table=... --tablespace=... --moveidx\`) for tables, \`REINDEX (TABLESPACE ...) INDEX CONCURRENTLY ...\` for indexes (PostgreSQL 14+)."
    `);
  });

  it('reports SET ACCESS METHOD, which copies every row the same way (corpus: unsafe/pg-altertable-set-access-method)', () => {
    const sql = 'ALTER TABLE "orders" SET ACCESS METHOD columnar;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-tablespace
        Changing orders to access method columnar rewrites every row into the new storage while every query on orders waits, which takes minutes on a big table (unless orders already uses columnar: then nothing changes).
        1 | ALTER TABLE "orders" SET ACCESS METHOD columnar;
          | ^
        lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write) until the rewrite ends
        help: Instead, create a new table \`USING columnar\`, keep it in sync with a trigger, copy the rows in batches (\`sdk db backfill\`), switch the application to it and drop the old table in a contract migration; or run this at a quiet time."
    `);
    expect(lint('CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nALTER TABLE "t" SET ACCESS METHOD columnar;')).toEqual([]);
  });

  it('accepts moving relations created earlier in the same file', () => {
    const sql = [
      'CREATE TABLE "t" ("x" int);',
      'CREATE INDEX "t_x_idx" ON "t" ("x");',
      'CREATE MATERIALIZED VIEW "m" AS SELECT 1 AS one;',
      'ALTER TABLE "t" SET TABLESPACE x;',
      'ALTER INDEX "t_x_idx" SET TABLESPACE x;',
      'ALTER MATERIALIZED VIEW "m" SET TABLESPACE x;',
    ].join('\n--> statement-breakpoint\n');
    expect(lint(sql)).toEqual([]);
  });

  it('reports moving an index created in this file on an existing table: it has every row', () => {
    const sql = 'CREATE INDEX CONCURRENTLY i ON users (email);\nALTER INDEX i SET TABLESPACE x;';
    expect(lint(sql)).toHaveLength(1);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  ALTER TABLE t SET TABLESPACE x;\nEND $$;')).toMatchObject([{ line: 2, column: 3 }]);
  });

  it('spells the index as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nALTER INDEX "auth"."users_email_idx" SET TABLESPACE fast_ssd;';
    const [v] = lint(sql, ['CREATE TABLE "auth"."users" ("email" text);', 'CREATE INDEX "users_email_idx" ON "auth"."users" ("email");'], 16);
    expect(v?.help).toContain('`REINDEX (TABLESPACE fast_ssd) INDEX CONCURRENTLY "auth"."users_email_idx";`');
  });
});
