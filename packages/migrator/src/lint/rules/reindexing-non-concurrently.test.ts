import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { reindexingNonConcurrently as rule } from './reindexing-non-concurrently.js';

beforeAll(loadParser);

const lint = (sql: string, pgVersion?: number) => lintSql(sql, { rules: [rule], pgVersion });

describe('reindexing-non-concurrently', () => {
  it('reports REINDEX INDEX and inserts CONCURRENTLY into your statement', () => {
    const sql = 'REINDEX INDEX "auth"."users_email_idx";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  reindexing-non-concurrently
        Rebuilding index auth.users_email_idx blocks every write to its table until it ends, and nearly every read too (the planner looks at every index of a table): minutes on a big table.
        1 | REINDEX INDEX "auth"."users_email_idx";
          | ^
        lock: SHARE lock on the index's table (blocks every write (INSERT, UPDATE, DELETE); reads continue), and ACCESS EXCLUSIVE lock on auth.users_email_idx (blocks every query that uses the index, and the planning of nearly every query on the table)
        help: Rebuild without blocking reads or writes: \`REINDEX INDEX CONCURRENTLY "auth"."users_email_idx";\` (the runner runs it outside a transaction)."
    `);
  });

  it('reports REINDEX TABLE, SCHEMA and DATABASE, keeping options', () => {
    expect(lint('REINDEX (VERBOSE) TABLE "users";')[0]?.help).toContain('`REINDEX (VERBOSE) TABLE CONCURRENTLY "users";`');
    expect(lint('reindex schema auth')[0]?.help).toContain('`reindex schema CONCURRENTLY auth;`');
    expect(lint('REINDEX DATABASE app;')[0]?.message).toContain('every index in database app');
  });

  it('gives the build-and-swap recipe before PostgreSQL 12, which has no REINDEX CONCURRENTLY', () => {
    const sql = 'REINDEX INDEX users_email_idx;';
    expect(rendered(sql, lint(sql, 11))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  reindexing-non-concurrently
        Rebuilding index users_email_idx blocks every write to its table until it ends, and nearly every read too (the planner looks at every index of a table): minutes on a big table.
        1 | REINDEX INDEX users_email_idx;
          | ^
        lock: SHARE lock on the index's table (blocks every write (INSERT, UPDATE, DELETE); reads continue), and ACCESS EXCLUSIVE lock on users_email_idx (blocks every query that uses the index, and the planning of nearly every query on the table)
        help: REINDEX CONCURRENTLY needs PostgreSQL 12 (this is 11). Instead, build a replacement and swap it in:
              1. \`CREATE INDEX CONCURRENTLY users_email_idx_new ON ...;\` with the definition of users_email_idx (\`SELECT pg_get_indexdef('users_email_idx'::regclass);\` prints it, UNIQUE included)
              2. \`DROP INDEX CONCURRENTLY users_email_idx;\`
              3. \`ALTER INDEX users_email_idx_new RENAME TO users_email_idx;\`
              An index behind a PRIMARY KEY or UNIQUE constraint cannot be dropped on its own: rebuild those at a quiet time, or after moving to PostgreSQL 12."
    `);
  });

  it('keeps the schema where ALTER INDEX needs it', () => {
    const [v] = lint('REINDEX INDEX "auth"."users_email_idx";', 11);
    expect(v?.help).toContain('1. `CREATE INDEX CONCURRENTLY users_email_idx_new ON ...;`');
    expect(v?.help).toContain('3. `ALTER INDEX auth.users_email_idx_new RENAME TO users_email_idx;`');
  });

  it('gives the recipe index by index for REINDEX TABLE before PostgreSQL 12', () => {
    const [v] = lint('REINDEX TABLE "auth"."users";', 11);
    expect(v?.help).toContain('Instead, build a replacement for each index i of auth.users and swap it in:');
    expect(v?.help).toContain('3. `ALTER INDEX i_new RENAME TO i;`');
  });

  it('accepts REINDEX ... CONCURRENTLY in both spellings', () => {
    expect(lint('REINDEX INDEX CONCURRENTLY "users_email_idx";')).toEqual([]);
    expect(lint('REINDEX (CONCURRENTLY) TABLE users;')).toEqual([]);
  });

  it('reports REINDEX ... CONCURRENTLY before PostgreSQL 12, where it is a syntax error', () => {
    const sql = 'REINDEX INDEX CONCURRENTLY "users_email_idx";';
    const [v] = lintSql(sql, { rules: [rule], pgVersion: 11 });
    expect(v?.message).toBe('REINDEX ... CONCURRENTLY needs PostgreSQL 12; on PostgreSQL 11 this statement is a syntax error and the migration fails.');
    expect(v?.help).toMatch(/^REINDEX CONCURRENTLY needs PostgreSQL 12 \(this is 11\)\. Instead, build a replacement/);
    expect(lintSql(sql, { rules: [rule], pgVersion: 12 })).toEqual([]);
  });

  it('accepts REINDEX SYSTEM, which has no concurrent form', () => {
    expect(lint('REINDEX SYSTEM;')).toEqual([]);
  });

  it('accepts REINDEX of a table, or an index of a table, created earlier in the same file', () => {
    expect(lint('CREATE TABLE t (x int);\nREINDEX TABLE t;')).toEqual([]);
    expect(lint('CREATE TABLE t (x int);\nCREATE INDEX t_x_idx ON t (x);\nREINDEX INDEX t_x_idx;')).toEqual([]);
  });

  it('finds REINDEX inside a DO block and says to take it out', () => {
    const [v] = lint('DO $$ BEGIN\n  REINDEX TABLE users;\nEND $$;');
    expect(v?.help).toContain('take it out of the DO block');
  });
});
