import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { unboundedDataChange as rule } from './unbounded-data-change.js';

beforeAll(loadParser);

const lint = (sql: string) =>
  lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "plan" text);\nCREATE TABLE "auth"."sessions" ("id" serial PRIMARY KEY);'] });

describe('unbounded-data-change', () => {
  it('reports an UPDATE without WHERE and rebuilds it as a batch', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "tier" text;\n--> statement-breakpoint\nUPDATE "auth"."users" SET "tier" = "plan";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:3:1  error  unbounded-data-change
        This UPDATE changes every row of auth.users in one transaction: each row stays locked until the migration commits, so the running app's writes to them wait, and every row leaves a dead copy behind (table bloat).
        3 | UPDATE "auth"."users" SET "tier" = "plan";
          | ^
        lock: ROW EXCLUSIVE lock on auth.users (blocks CREATE INDEX and other share locks; reads and writes continue, but rows it changes stay locked until commit)
        help: Instead, backfill in batches by primary key, in a separate migration (\`pnpm db:generate --custom\`), each batch in its own transaction: \`UPDATE "auth"."users" SET "tier" = "plan" WHERE "id" IN (SELECT "id" FROM "auth"."users" WHERE <condition> LIMIT 10000);\`, repeated until it updates no rows (<condition> picks the rows not done yet, e.g. \`"tier" IS NULL\`)."
    `);
  });

  it('reports a DELETE without WHERE as data loss, with a backup first', () => {
    const sql = 'DELETE FROM auth.sessions;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  unbounded-data-change
        This DELETE removes every row of auth.sessions, and keeps each one locked until the migration commits, so the running app's writes to them wait.
        1 | DELETE FROM auth.sessions;
          | ^
        lock: ROW EXCLUSIVE lock on auth.sessions (blocks CREATE INDEX and other share locks; reads and writes continue, but rows it changes stay locked until commit)
        help: Instead, back up the rows (\`sdk db backup --verify\` (a backup proven to restore)), then delete them in batches by primary key, in a separate migration (\`pnpm db:generate --custom\`), each batch in its own transaction: \`DELETE FROM auth.sessions WHERE id IN (SELECT id FROM auth.sessions LIMIT 10000);\`, repeated until it deletes no rows."
    `);
  });

  it('puts the batch condition before RETURNING and qualifies id when there is a FROM clause or an alias', () => {
    expect(lint('UPDATE auth.users SET plan = p.name FROM plans p RETURNING auth.users.id;')[0]?.help).toContain(
      '`UPDATE auth.users SET plan = p.name FROM plans p WHERE auth.users.id IN (SELECT id FROM auth.users WHERE <condition> LIMIT 10000) RETURNING auth.users.id;`',
    );
    expect(lint('DELETE FROM auth.sessions AS s;')[0]?.help).toContain('`DELETE FROM auth.sessions AS s WHERE s.id IN (SELECT id FROM auth.sessions LIMIT 10000);`');
  });

  it('accepts an UPDATE or DELETE with a WHERE clause', () => {
    expect(lint('UPDATE "auth"."users" SET "plan" = \'free\' WHERE "plan" IS NULL;')).toEqual([]);
    expect(lint('DELETE FROM "auth"."sessions" WHERE "id" < 100;')).toEqual([]);
  });

  it('accepts filling a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "plans" ("id" int, "name" text);\n--> statement-breakpoint\nUPDATE "plans" SET "name" = lower("name");')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint("DO $$ BEGIN\n  UPDATE auth.users SET plan = 'free';\nEND $$;")).toMatchObject([{ rule: 'unbounded-data-change', line: 2, column: 3 }]);
  });
});
