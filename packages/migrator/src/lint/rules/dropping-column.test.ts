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
              3. Drop it in a contract migration, a file that starts with \`-- sdk:phase contract\` and runs after the deploy: \`ALTER TABLE "auth"."users" DROP COLUMN "phone";\` (\`pnpm sdk db migrate --phase expand\` applies everything before it)."
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
  it('in a contract migration, is a warning that says the running app must no longer use the column', () => {
    const sql = '-- sdk:phase contract\nALTER TABLE "auth"."users" DROP COLUMN "fax";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  dropping-column
        Dropping column fax of auth.users is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now no longer reads or writes auth.users.fax (every instance runs an app version deployed after the expand step that stopped using it).
        2 | ALTER TABLE "auth"."users" DROP COLUMN "fax";
          | ^
        help: Before it runs, check that no instance still runs an app version whose Drizzle schema has fax, and back up the data: \`sdk db backup --verify\` (a backup proven to restore). Until then, \`pnpm sdk db migrate --phase expand\` applies the migrations before this one and holds it back."
    `);
  });
});
