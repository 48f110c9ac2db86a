import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { truncatingTable as rule } from './truncating-table.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."sessions" ("id" serial PRIMARY KEY);'] });

describe('truncating-table', () => {
  it('reports TRUNCATE of an existing table: data loss and ACCESS EXCLUSIVE until commit', () => {
    const sql = 'TRUNCATE TABLE "auth"."sessions";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  truncating-table
        Truncating auth.sessions deletes every row, blocking every query of the running app on it until the migration commits.
        1 | TRUNCATE TABLE "auth"."sessions";
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.sessions (blocks every read and write), held until the migration commits
        help: If the rows must go:
              1. Back them up: \`sdk db backup --verify\` (a backup proven to restore).
              2. Delete them out of the migrations, a few thousand rows per transaction, from a script or job (\`sdk db backfill\` only updates rows); a migration runs once, in one transaction.
              For a table nothing depends on (a cache, a staging table), keep the TRUNCATE with \`-- sdk-lint-ignore truncating-table: <why>\` on the line before."
    `);
  });

  it('says CASCADE empties the referencing tables too', () => {
    expect(lint('TRUNCATE auth.sessions CASCADE;')[0]?.message).toContain('CASCADE empties every table with a foreign key to it too');
  });

  it('names only the tables not created in this file', () => {
    const [v] = lint('CREATE TABLE "staging" ("id" int);\n--> statement-breakpoint\nTRUNCATE "staging", "auth"."sessions";');
    expect(v?.message).toMatch(/^Truncating auth\.sessions deletes/);
  });

  it('accepts truncating a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "staging" ("id" int);\n--> statement-breakpoint\nTRUNCATE "staging";')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  TRUNCATE auth.sessions;\nEND $$;')).toMatchObject([{ rule: 'truncating-table', line: 2, column: 3 }]);
  });
});
