import { beforeAll, describe, expect, it } from 'vitest';
import { addRequiredColumn } from '../../operations/add-required-column.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
import { settingNotNull as rule } from './setting-not-null.js';

beforeAll(loadParser);

const users = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" text);';
const lint = (sql: string, history: string[] = [users], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

describe('setting-not-null', () => {
  it('reports SET NOT NULL on an existing table with the CHECK recipe built from its names', () => {
    const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-not-null
        Making auth.users.email NOT NULL reads every row of auth.users to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while every row is read
        help: Instead, fill its NULLs, then prove the column has none with a CHECK constraint, so SET NOT NULL skips the scan:
              backfill, a data migration \`pnpm sdk db migrate --phase expand\` runs before the deploy:
              1. fill existing rows: \`UPDATE "auth"."users" SET "email" = <value> WHERE "email" IS NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              Before the contract: deploy the version of the application that always writes email.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              2. add NOT VALID check: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
              backfill, a data migration \`pnpm sdk db migrate\` runs between the contract migrations:
              3. fill rows written since the backfill: \`UPDATE "auth"."users" SET "email" = <value> WHERE "email" IS NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              contract, continued:
              4. validate check (starts a new migration): \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_not_null";\`
                 locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
              5. set not null (starts a new migration): \`ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it: the validated check spares the scan
              6. drop check: \`ALTER TABLE "auth"."users" DROP CONSTRAINT "users_email_not_null";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              \`sdk db new add-required-column auth.users email --backfill "<value>"\` writes these steps as migration files and a data migration; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place.
              On PostgreSQL 18 two steps are enough once the NULLs are filled: \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_not_null" NOT NULL "email" NOT VALID;\`, then in a later migration (\`pnpm db:generate --custom\`) \`ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_not_null";\`, which makes the column NOT NULL."
    `);
  });

  it('leaves out the PostgreSQL 18 shortcut on older versions', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;', [users], 16);
    expect(v?.help).toContain('6. drop check: `ALTER TABLE "auth"."users" DROP CONSTRAINT "users_email_not_null";`');
    expect(v?.help).not.toContain('PostgreSQL 18');
  });

  it('prints the add-required-column plan for the existing column, step for step, with the command that writes it', () => {
    const [v] = lint('ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;');
    const plan = addRequiredColumn.plan({ tableSql: '"auth"."users"', tableName: 'users', display: 'auth.users', column: 'email', type: 'text', default: null, backfill: '<value>', exists: true });
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    expect(v?.help).toContain('`sdk db new add-required-column auth.users email --backfill "<value>"`');
  });

  it('accepts SET NOT NULL on a table created earlier in the same file', () => {
    expect(lint(`${users}\n--> statement-breakpoint\nALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;`, [])).toEqual([]);
  });

  it('accepts SET NOT NULL backed by a CHECK validated in an earlier migration', () => {
    const history = [
      users,
      'ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;',
      'ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_not_null";',
    ];
    expect(lint('ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;', history)).toEqual([]);
  });

  it('accepts SET NOT NULL after the CHECK is validated earlier in the same file', () => {
    const history = [users, 'ALTER TABLE auth.users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;'];
    const sql = 'ALTER TABLE auth.users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;';
    expect(lint(sql, history)).toEqual([]);
  });

  it('tells you to validate a CHECK that is still NOT VALID', () => {
    const history = [users, 'ALTER TABLE auth.users ADD CONSTRAINT email_present CHECK (email IS NOT NULL) NOT VALID;'];
    const sql = 'ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;';
    expect(rendered(sql, lint(sql, history))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-not-null
        Making auth.users.email NOT NULL reads every row of auth.users to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while every row is read
        help: The CHECK constraint email_present that proves email NOT NULL is not validated yet, so PostgreSQL still reads the table. Instead:
              1. Validate it first, in a migration after the one that added it: \`ALTER TABLE auth.users VALIDATE CONSTRAINT email_present;\` (SHARE UPDATE EXCLUSIVE; reads and writes continue)
              2. Then \`ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;\` uses the validated CHECK and skips the scan.
              3. \`ALTER TABLE auth.users DROP CONSTRAINT email_present;\` (the column's NOT NULL does the job now)"
    `);
  });

  it('does not count a CHECK on another column', () => {
    const history = [users, 'ALTER TABLE auth.users ADD CONSTRAINT id_present CHECK (id IS NOT NULL);'];
    expect(lint('ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;', history)).toHaveLength(1);
  });

  it('reports SET NOT NULL before PostgreSQL 12 even with a validated CHECK, and recommends keeping the CHECK', () => {
    const history = ['CREATE TABLE users (email text);', 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL);'];
    const sql = 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;';
    expect(rendered(sql, lint(sql, history, 11))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-not-null
        Making users.email NOT NULL reads every row of users to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE users ALTER COLUMN email SET NOT NULL;
          | ^
        lock: ACCESS EXCLUSIVE lock on users (blocks every read and write), held while every row is read
        help: PostgreSQL 11 reads the whole table for SET NOT NULL even when a CHECK constraint proves it (PostgreSQL 12 and later use the CHECK). Instead, keep a validated CHECK constraint in place of NOT NULL; it rejects NULLs just the same:
              1. \`ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\` (instant: new writes are checked, existing rows are not)
              2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)
              Run SET NOT NULL once the database is on PostgreSQL 12 or later: it then uses the CHECK instead of reading the table."
    `);
  });

  it('reports PostgreSQL 18 ADD CONSTRAINT ... NOT NULL and rebuilds it with NOT VALID', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_nn" NOT NULL "email";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  setting-not-null
        Making auth.users.email NOT NULL reads every row of auth.users to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.
        1 | ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_nn" NOT NULL "email";
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while every row is read
        help: Instead, add it NOT VALID (new writes are checked at once) and validate it separately:
              1. \`ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_nn" NOT NULL "email" NOT VALID;\`
              2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE auth.users VALIDATE CONSTRAINT users_email_nn;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)"
    `);
  });

  it('leaves ADD CONSTRAINT ... NOT NULL to PostgreSQL before 18, which rejects its syntax', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_nn" NOT NULL "email";', [users], 17)).toEqual([]);
  });

  it('accepts ADD CONSTRAINT ... NOT NULL ... NOT VALID', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_nn" NOT NULL "email" NOT VALID;')).toEqual([]);
  });

  it('reports each column of a statement that sets several NOT NULL', () => {
    const violations = lint('ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL, ALTER COLUMN id SET NOT NULL;');
    expect(violations.map((v) => v.message.split(' ')[1])).toEqual(['auth.users.email', 'auth.users.id']);
  });

  it('finds SET NOT NULL inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;\nEND $$;');
    expect(violations).toMatchObject([{ rule: 'setting-not-null', line: 2, column: 3 }]);
  });

  describe('a CHECK dropped by the same statement', () => {
    const history = [
      users,
      'ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;',
      'ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_email_not_null";',
    ];

    it('reports SET NOT NULL next to DROP CONSTRAINT of the CHECK that proves it: the DROP runs first', () => {
      const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL, DROP CONSTRAINT "users_email_not_null";';
      expect(rendered(sql, lint(sql, history))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  setting-not-null
          Making auth.users.email NOT NULL reads every row of auth.users to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table. The validated CHECK users_email_not_null would spare the scan, but this statement drops it, and PostgreSQL runs the DROP CONSTRAINT before SET NOT NULL looks for it.
          1 | ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL, DROP CONSTRAINT "users_email_not_null";
            | ^
          lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held while every row is read
          help: Instead, drop the CHECK only once the column is NOT NULL:
                1. \`ALTER TABLE auth.users ALTER COLUMN email SET NOT NULL;\` (uses the validated CHECK users_email_not_null instead of reading the table)
                2. Then, in a separate statement: \`ALTER TABLE auth.users DROP CONSTRAINT users_email_not_null;\`"
      `);
    });

    it('accepts the same two changes as two statements', () => {
      const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;\n--> statement-breakpoint\nALTER TABLE "auth"."users" DROP CONSTRAINT "users_email_not_null";';
      expect(lint(sql, history)).toEqual([]);
    });

    it('accepts dropping another constraint in the same statement', () => {
      expect(lint('ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL, DROP CONSTRAINT "other";', history)).toEqual([]);
    });
  });

  describe('PRIMARY KEY USING INDEX', () => {
    const index = 'CREATE UNIQUE INDEX CONCURRENTLY legacy_imports_id_idx ON legacy_imports (id);';
    const sql = 'ALTER TABLE legacy_imports ADD CONSTRAINT legacy_imports_pkey PRIMARY KEY USING INDEX legacy_imports_id_idx;';

    it('reports it on a nullable column: PostgreSQL runs SET NOT NULL, which reads the table', () => {
      const violations = lint(sql, ['CREATE TABLE legacy_imports (id integer, payload jsonb);', index]);
      expect(rendered(sql, violations)).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  setting-not-null
          Adding PRIMARY KEY legacy_imports_pkey USING INDEX makes legacy_imports.id NOT NULL, which reads every row of legacy_imports to look for NULLs, and every read and write of the table waits until it is done: minutes on a big table.
          1 | ALTER TABLE legacy_imports ADD CONSTRAINT legacy_imports_pkey PRIMARY KEY USING INDEX legacy_imports_id_idx;
            | ^
          lock: ACCESS EXCLUSIVE lock on legacy_imports (blocks every read and write), held while every row is read
          help: Instead, prove the key columns have no NULLs with a CHECK constraint first, so the PRIMARY KEY skips the scan:
                1. \`ALTER TABLE legacy_imports ADD CONSTRAINT legacy_imports_id_not_null CHECK (id IS NOT NULL) NOT VALID;\` (instant: new writes are checked, existing rows are not)
                2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE legacy_imports VALIDATE CONSTRAINT legacy_imports_id_not_null;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)
                3. Then \`ALTER TABLE legacy_imports ADD CONSTRAINT legacy_imports_pkey PRIMARY KEY USING INDEX legacy_imports_id_idx;\` (uses the validated CHECK instead of reading the table)
                4. \`ALTER TABLE legacy_imports DROP CONSTRAINT legacy_imports_id_not_null;\` (the column's NOT NULL does the job now)"
      `);
    });

    it('accepts it on a NOT NULL column, or one proven NOT NULL by a validated CHECK', () => {
      expect(lint(sql, ['CREATE TABLE legacy_imports (id integer NOT NULL, payload jsonb);', index])).toEqual([]);
      expect(lint(sql, ['CREATE TABLE legacy_imports (id integer, payload jsonb);', 'ALTER TABLE legacy_imports ALTER COLUMN id SET NOT NULL;', index])).toEqual([]);
      const proven = ['CREATE TABLE legacy_imports (id integer);', 'ALTER TABLE legacy_imports ADD CONSTRAINT id_present CHECK (id IS NOT NULL) NOT VALID;', 'ALTER TABLE legacy_imports VALIDATE CONSTRAINT id_present;', index];
      expect(lint(sql, proven)).toEqual([]);
      expect(lint(sql, proven, 11)).toHaveLength(1);
    });

    it('reports a SET NOT NULL of the same statement once, not the PRIMARY KEY again', () => {
      const both = 'ALTER TABLE legacy_imports ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT legacy_imports_pkey PRIMARY KEY USING INDEX legacy_imports_id_idx;';
      expect(lint(both, ['CREATE TABLE legacy_imports (id integer, payload jsonb);', index]).map((v) => v.message.split(' ')[0])).toEqual(['Making']);
    });

    it('stays silent when the index or the column was not seen created', () => {
      expect(lint(sql, ['CREATE TABLE legacy_imports (id integer, payload jsonb);'])).toEqual([]);
      expect(lint(sql, [index])).toEqual([]);
    });
  });
});
