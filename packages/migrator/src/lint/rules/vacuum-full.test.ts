import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { vacuumFull as rule } from './vacuum-full.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[]) => lintSql(sql, { rules: [rule], history });

describe('vacuum-full', () => {
  it('reports VACUUM FULL on a table, and rebuilds the statement as plain VACUUM', () => {
    const sql = 'VACUUM FULL "auth"."users";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  vacuum-full
        VACUUM FULL rewrites auth.users into new files and rebuilds its indexes while every query on it waits, which takes minutes on a big table.
        1 | VACUUM FULL "auth"."users";
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the copy is written
        help: Instead, run plain VACUUM, which makes the dead space reusable without blocking reads or writes: \`VACUUM "auth"."users";\`. To give the space back to the operating system online, use pg_repack (\`pg_repack --table=auth.users\`) or pg_squeeze, which hold ACCESS EXCLUSIVE only briefly."
    `);
  });

  it('reports VACUUM FULL without a table: the whole database', () => {
    const sql = 'VACUUM FULL;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  vacuum-full
        VACUUM FULL without a table rewrites every table of the database, one after another, each while every query on it waits: on a big database, hours of blocked tables.
        1 | VACUUM FULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on each table in turn (blocks every read and write) until its copy is written
        help: Instead, run plain VACUUM, which makes the dead space reusable without blocking reads or writes: \`VACUUM;\`. To give the space back to the operating system online, use pg_repack (\`pg_repack --table=...\`) or pg_squeeze, which hold ACCESS EXCLUSIVE only briefly."
    `);
  });

  it.each([
    ['VACUUM (FULL, ANALYZE) users, orders', '`VACUUM (ANALYZE) users, orders;`'],
    ['vacuum (verbose, full true) users', '`vacuum (verbose) users;`'],
    ['VACUUM (FULL) users', '`VACUUM users;`'],
    ['VACUUM FULL FREEZE VERBOSE users', '`VACUUM FREEZE VERBOSE users;`'],
  ])('keeps the other options of %s', (sql, plain) => {
    expect(lint(sql)[0]?.help).toContain(plain);
  });

  it.each([
    ['plain VACUUM', 'VACUUM (ANALYZE) users'],
    ['FULL turned off', 'VACUUM (FULL false) users'],
    ['ANALYZE', 'ANALYZE users'],
  ])('accepts %s', (_, sql) => {
    expect(lint(sql)).toEqual([]);
  });

  it('accepts VACUUM FULL of tables created earlier in the same file, and names only the existing ones', () => {
    expect(lint('CREATE TABLE "t" ("x" int);\n--> statement-breakpoint\nVACUUM FULL "t";')).toEqual([]);
    expect(lint('CREATE TABLE t (x int);\nVACUUM FULL t, users;')[0]?.message).toMatch(/^VACUUM FULL rewrites users into new files/);
  });
});
