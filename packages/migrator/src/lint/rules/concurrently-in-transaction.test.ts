import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { concurrentlyInTransaction as rule } from './concurrently-in-transaction.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule] });

describe('concurrently-in-transaction', () => {
  it('reports CREATE INDEX CONCURRENTLY after an explicit BEGIN', () => {
    const sql = 'BEGIN;\nCREATE INDEX CONCURRENTLY "users_email_idx" ON "auth"."users" ("email");\nCOMMIT;';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:2:1  error  concurrently-in-transaction
        PostgreSQL refuses to run CREATE INDEX CONCURRENTLY inside a transaction block (BEGIN ... COMMIT), so the migration fails at this statement.
        2 | CREATE INDEX CONCURRENTLY "users_email_idx" ON "auth"."users" ("email");
          | ^
        help: Remove the surrounding BEGIN/COMMIT: \`sdk db migrate\` already runs such statements on their own, outside a transaction, and the other statements of the migration in a transaction."
    `);
  });

  it('reports CREATE INDEX CONCURRENTLY inside a DO block and gives the statement to write instead', () => {
    const sql = 'DO $$ BEGIN\n  CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "auth"."users" ("email");\nEXCEPTION WHEN duplicate_table THEN null; END $$;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:3  error  concurrently-in-transaction
        PostgreSQL refuses to run CREATE INDEX CONCURRENTLY inside a DO block, so the migration fails at this statement.
        2 |   CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "auth"."users" ("email");
          |   ^
        help: Take it out of the DO block and write it as a statement of its own: \`CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "auth"."users" ("email");\`. \`sdk db migrate\` already runs such statements on their own, outside a transaction (use IF EXISTS / IF NOT EXISTS where the DO block caught an error)."
    `);
  });

  it('reports DROP INDEX, REINDEX and DETACH PARTITION ... CONCURRENTLY in a transaction block', () => {
    const sql = [
      'BEGIN;',
      'DROP INDEX CONCURRENTLY i;',
      'REINDEX INDEX CONCURRENTLY i;',
      'REINDEX (CONCURRENTLY) TABLE t;',
      'ALTER TABLE p DETACH PARTITION c CONCURRENTLY;',
      'COMMIT;',
    ].join('\n');
    expect(lint(sql).map((v) => v.message.split(' inside')[0])).toEqual([
      'PostgreSQL refuses to run DROP INDEX CONCURRENTLY',
      'PostgreSQL refuses to run REINDEX ... CONCURRENTLY',
      'PostgreSQL refuses to run REINDEX ... CONCURRENTLY',
      'PostgreSQL refuses to run DETACH PARTITION ... CONCURRENTLY',
    ]);
  });

  it('accepts CONCURRENTLY statements of their own, which the runner runs outside a transaction', () => {
    expect(lint('CREATE INDEX CONCURRENTLY i ON t (x);\n--> statement-breakpoint\nDROP INDEX CONCURRENTLY j;')).toEqual([]);
  });

  it('accepts CONCURRENTLY after the transaction block ends', () => {
    expect(lint('BEGIN;\nCREATE TABLE t (x int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON u (x);')).toEqual([]);
  });

  it('accepts statements without CONCURRENTLY in a transaction block', () => {
    expect(lint('BEGIN;\nCREATE INDEX i ON t (x);\nDROP INDEX j;\nALTER TABLE p DETACH PARTITION c;\nCOMMIT;')).toEqual([]);
  });
});
