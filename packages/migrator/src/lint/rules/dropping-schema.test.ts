import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { droppingSchema as rule } from './dropping-schema.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule], history: ['CREATE SCHEMA "billing";'] });

describe('dropping-schema', () => {
  it('reports DROP SCHEMA ... CASCADE: everything in it goes, with its data', () => {
    const sql = 'DROP SCHEMA "billing" CASCADE;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  dropping-schema
        Dropping schema billing with CASCADE deletes every table, view, type and function in it, with their data, and breaks the running app wherever it still uses them.
        1 | DROP SCHEMA "billing" CASCADE;
          | ^
        help: Instead:
              1. Remove the schema's tables and types from the Drizzle schema and deploy that app version first.
              2. Back up the data: \`sdk db backup --verify\` (a backup proven to restore).
              3. Drop its tables, views, types and functions one by one in contract migrations, so each drop is reviewed.
              4. Drop the empty schema without CASCADE, in a contract migration (a file that starts with \`-- sdk:phase contract\`)."
    `);
  });

  it('reports DROP SCHEMA without CASCADE too: the running app may still name it', () => {
    const [v] = lint('DROP SCHEMA IF EXISTS billing;');
    expect(v?.message).toBe('Dropping schema billing breaks the running app if it still names the schema, and fails while anything is left in it.');
  });

  it('accepts dropping a schema created earlier in the same file', () => {
    expect(lint('CREATE SCHEMA "scratch";\n--> statement-breakpoint\nDROP SCHEMA "scratch";')).toEqual([]);
  });

  it('does not report other drops', () => {
    expect(lint('DROP TABLE "billing"."invoices";')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint("DO $$ BEGIN\n  EXECUTE 'DROP SCHEMA billing';\nEND $$;")).toMatchObject([{ rule: 'dropping-schema', line: 2 }]);
  });
  it('in a contract migration, is a warning that says the running app must no longer use the schema', () => {
    const sql = '-- sdk:phase contract\nDROP SCHEMA "billing";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  dropping-schema
        Dropping schema billing is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now no longer names the schema or anything in it (every instance runs an app version deployed after the expand step that stopped using it).
        2 | DROP SCHEMA "billing";
          | ^
        help: Before it runs, check that no instance still runs an app version whose Drizzle schema has a table, view or type in billing. Until then, \`pnpm sdk db migrate --phase expand\` applies the migrations before this one and holds it back."
    `);
  });
});
