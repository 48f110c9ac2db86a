import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { droppingIndexNonConcurrently as rule } from './dropping-index-non-concurrently.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule] });

describe('dropping-index-non-concurrently', () => {
  it('warns about DROP INDEX and rebuilds it with CONCURRENTLY (drizzle-kit style)', () => {
    const sql = 'DROP INDEX IF EXISTS "auth"."users_email_idx";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  warning  dropping-index-non-concurrently
        Dropping index auth.users_email_idx waits for every running query on its table to finish, and every query that arrives meanwhile waits behind it.
        1 | DROP INDEX IF EXISTS "auth"."users_email_idx";
          | ^
        lock: ACCESS EXCLUSIVE lock on the index's table (blocks every read and write)
        help: Drop it without blocking queries: \`DROP INDEX CONCURRENTLY IF EXISTS "auth"."users_email_idx";\`; the runner runs it outside a transaction."
    `);
  });

  it('splits a DROP INDEX of several indexes with CASCADE into one statement per index', () => {
    const sql = 'drop index a_idx, "Weird Name" cascade';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  warning  dropping-index-non-concurrently
        Dropping indexes a_idx, "Weird Name" waits for every running query on their tables to finish, and every query that arrives meanwhile waits behind it.
        1 | drop index a_idx, "Weird Name" cascade
          | ^
        lock: ACCESS EXCLUSIVE lock on the tables of the indexes (blocks every read and write)
        help: Drop them without blocking queries, one per statement (CONCURRENTLY takes a single index): \`DROP INDEX CONCURRENTLY a_idx;\` and \`DROP INDEX CONCURRENTLY "Weird Name";\`; the runner runs them outside a transaction. CONCURRENTLY does not support CASCADE: drop what depends on them first (a foreign key that uses a unique index, for example)."
    `);
  });

  it('accepts DROP INDEX CONCURRENTLY', () => {
    expect(lint('DROP INDEX CONCURRENTLY IF EXISTS "users_email_idx";')).toEqual([]);
  });

  it('accepts dropping an index this file created on a table it created', () => {
    const sql = 'CREATE TABLE t (x int);\n--> statement-breakpoint\nCREATE INDEX t_x_idx ON t (x);\n--> statement-breakpoint\nDROP INDEX t_x_idx;';
    expect(lint(sql)).toEqual([]);
  });

  it('still warns about an index of the same name in another schema', () => {
    const sql = 'CREATE TABLE t (x int);\nCREATE INDEX t_x_idx ON t (x);\nDROP INDEX other.t_x_idx;';
    expect(lint(sql)).toHaveLength(1);
  });

  it('does not warn about other DROP statements', () => {
    expect(lint('DROP TABLE "t";\nDROP VIEW v;')).toEqual([]);
  });

  it('says to take it out of a DO block, where CONCURRENTLY cannot run', () => {
    const [v] = lint('DO $$ BEGIN\n  DROP INDEX users_email_idx;\nEND $$;');
    expect(v).toMatchObject({ line: 2, column: 3 });
    expect(v?.help).toContain('It cannot run in a transaction block: take it out of the DO block and write it as a statement of its own.');
  });
});
