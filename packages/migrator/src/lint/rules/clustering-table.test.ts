import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { clusteringTable as rule } from './clustering-table.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[]) => lintSql(sql, { rules: [rule], history });

describe('clustering-table', () => {
  it('reports CLUSTER on an existing table, and points to CLUSTER ON plus pg_repack', () => {
    const sql = 'CLUSTER "auth"."users" USING "users_created_at_idx";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  clustering-table
        CLUSTER rewrites auth.users in the order of index users_created_at_idx and rebuilds its indexes while every query on auth.users waits, which takes minutes on a big table; rows written later do not keep that order.
        1 | CLUSTER "auth"."users" USING "users_created_at_idx";
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the copy is written
        help: Instead, mark the index, which only changes the catalog: \`ALTER TABLE "auth"."users" CLUSTER ON users_created_at_idx;\`, then reorder the table online with pg_repack (\`pg_repack --table=auth.users\`), which orders the rows by the clustered index and holds ACCESS EXCLUSIVE only briefly at the start and the end."
    `);
  });

  it('reports CLUSTER without a table: every clustered table of the database', () => {
    const sql = 'CLUSTER;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  clustering-table
        CLUSTER without a table rewrites every table of the database that was clustered before, one after another, each while every query on it waits.
        1 | CLUSTER;
          | ^
        lock: ACCESS EXCLUSIVE lock on each clustered table in turn (blocks every read and write) until its copy is written
        help: Instead, reorder the tables that need it online with pg_repack (\`pg_repack --table=...\`), which orders the rows by the clustered index and holds ACCESS EXCLUSIVE only briefly at the start and the end."
    `);
  });

  it('reports CLUSTER on a table by its clustered index', () => {
    expect(lint('CLUSTER VERBOSE users;')[0]?.message).toContain('in the order of its clustered index');
  });

  it('accepts CLUSTER on a table created earlier in the same file, and ALTER TABLE ... CLUSTER ON', () => {
    expect(lint('CREATE TABLE "t" ("x" int);\n--> statement-breakpoint\nCREATE INDEX "i" ON "t" ("x");\n--> statement-breakpoint\nCLUSTER "t" USING "i";')).toEqual([]);
    expect(lint('ALTER TABLE users CLUSTER ON users_created_at_idx;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  CLUSTER users USING users_pkey;\nEND $$;')).toMatchObject([{ line: 2, column: 3 }]);
  });

  it('spells the table as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nCLUSTER "auth"."users" USING "users_created_at_idx";';
    const [v] = lint(sql, ['CREATE TABLE "auth"."users" ("id" integer);']);
    expect(v?.help).toContain('`ALTER TABLE "auth"."users" CLUSTER ON users_created_at_idx;`');
  });
});
