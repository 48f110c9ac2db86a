import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { droppingColumn as rule } from './dropping-column.js';

beforeAll(loadParser);

const USERS = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "phone" text, "fax" text);';
const lint = (sql: string, history: string[] = [USERS]) => lintSql(sql, { rules: [rule], history });

describe('dropping-column', () => {
  it('reports dropping a column of an existing table, with the deploy-first recipe', () => {
    const sql = 'ALTER TABLE "auth"."users" DROP COLUMN "phone";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  dropping-column
        Dropping column phone of auth.users breaks the running app if it still reads or writes it (Drizzle names every column of its schema in its queries), and deletes the column's data.
        1 | ALTER TABLE "auth"."users" DROP COLUMN "phone";
          | ^
        help: Instead:
              1. Remove phone from the Drizzle schema and deploy that app version first.
              2. Back up the data: \`sdk db backup --verify\` (a backup proven to restore).
              3. Drop it in a contract migration that runs after the deploy: \`ALTER TABLE "auth"."users" DROP COLUMN "phone";\` (\`pnpm sdk db migrate --phase expand\` applies everything before it).
              Once no running app uses it, mark the statement with \`-- sdk-lint-ignore dropping-column: <why>\` on the line before."
    `);
  });

  it('reports each column of a multi-column drop', () => {
    const violations = lint('ALTER TABLE auth.users DROP COLUMN phone, DROP COLUMN IF EXISTS fax;');
    expect(violations.map((v) => v.message.split(' of ')[0])).toEqual(['Dropping column phone', 'Dropping column fax']);
  });

  it('accepts dropping a column of a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "t" ("a" int, "b" int);\n--> statement-breakpoint\nALTER TABLE "t" DROP COLUMN "b";')).toEqual([]);
  });

  it('accepts dropping a column added earlier in the same file', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "tmp" int;\n--> statement-breakpoint\nALTER TABLE "auth"."users" DROP COLUMN "tmp";')).toEqual([]);
  });

  it('does not report dropping a constraint or a default', () => {
    expect(lint('ALTER TABLE "auth"."users" DROP CONSTRAINT "users_phone_key";')).toEqual([]);
    expect(lint('ALTER TABLE "auth"."users" ALTER COLUMN "phone" DROP DEFAULT;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users DROP COLUMN phone;\nEND $$;');
    expect(violations).toMatchObject([{ rule: 'dropping-column', line: 2, column: 3 }]);
  });
});
