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

  describe('an index of a partitioned table (corpus: unsafe/pg-partitions-drop-index-concurrently-on-parent)', () => {
    const history = [
      'CREATE TABLE "events" ("id" bigint, "at" date) PARTITION BY RANGE ("at");\n--> statement-breakpoint\nCREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM (\'2026-01-01\') TO (\'2027-01-01\');\n--> statement-breakpoint\nCREATE INDEX "events_at_idx" ON "events" ("at");',
    ];
    const lintAfter = (sql: string) => lintSql(sql, { rules: [rule], history });

    it('reports DROP INDEX CONCURRENTLY, which PostgreSQL refuses, as an error', () => {
      const sql = 'DROP INDEX CONCURRENTLY "events_at_idx";';
      expect(rendered(sql, lintAfter(sql))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  dropping-index-non-concurrently
          DROP INDEX CONCURRENTLY cannot drop an index of partitioned table events: PostgreSQL refuses it, so the migration stops here.
          1 | DROP INDEX CONCURRENTLY "events_at_idx";
            | ^
          help: Drop it without CONCURRENTLY: \`DROP INDEX "events_at_idx";\` (it drops each partition's index with it, under a brief ACCESS EXCLUSIVE lock that the runner's lock_timeout bounds), and run it when no long query uses the table."
      `);
    });

    it('does not advise CONCURRENTLY for a plain DROP INDEX of it', () => {
      const [violation] = lintAfter('DROP INDEX "events_at_idx";');
      expect(violation?.severity).toBe('warning');
      expect(violation?.help).toMatch(/^CONCURRENTLY cannot drop an index of a partitioned table \(events\)/);
    });

    it('still accepts DROP INDEX CONCURRENTLY of an index of a plain table', () => {
      expect(lintSql('DROP INDEX CONCURRENTLY "t_a_idx";', { rules: [rule], history: ['CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nCREATE INDEX "t_a_idx" ON "t" ("a");'] })).toEqual([]);
    });
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
