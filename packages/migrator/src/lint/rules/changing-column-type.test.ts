import { beforeAll, describe, expect, it } from 'vitest';
import { knownTable } from '../../operations/catalog.js';
import { changeColumnType, retypedColumn } from '../../operations/change-column-type.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
import { changingColumnType as rule } from './changing-column-type.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

const users = 'CREATE TABLE "auth"."users" ("id" integer PRIMARY KEY, "email" varchar(50), "bio" varchar, "price" numeric(10,2), "net" cidr, "seen_at" timestamp);';

describe('changing-column-type', () => {
  it('reports integer -> bigint on an existing table, with the expand/contract recipe', () => {
    const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "id" SET DATA TYPE bigint;';
    const violations = lint(sql, [users]);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  changing-column-type
        Changing auth.users.id from integer to bigint rewrites the whole table and rebuilds its indexes; every query on auth.users waits until the rewrite ends, which takes minutes on a big table.
        1 | ALTER TABLE "auth"."users" ALTER COLUMN "id" SET DATA TYPE bigint;
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the rewrite and the index rebuilds end
        help: Instead, change the type in steps (expand/contract):
              1. Add a column of the new type: \`ALTER TABLE "auth"."users" ADD COLUMN "id_new" bigint;\`
              2. In the same migration, keep it in sync with a BEFORE INSERT OR UPDATE trigger that sets \`NEW."id_new" := NEW."id"::bigint\` on INSERT when "id_new" is not given, and on UPDATE when "id" changes; apply it with \`pnpm sdk db migrate --phase expand\`.
              3. Once that is applied, backfill the existing rows: \`sdk db backfill --table auth.users --set "id_new = id::bigint" --where "id_new IS DISTINCT FROM id::bigint"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes).
              4. Switch the application to "id_new": deploy the version that reads and writes it instead of "id".
              5. Drop the trigger and "id" in a contract migration (\`pnpm db:generate --custom\`), applied by \`pnpm sdk db migrate\` after that deploy."
    `);
  });

  it('reports a USING clause even between types that would keep the rows', () => {
    const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(100) USING lower("email");';
    const violations = lint(sql, [users]);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  changing-column-type
        Changing auth.users.email to varchar(100) with a USING clause computes every row again: PostgreSQL rewrites the whole table and rebuilds its indexes, and every query on auth.users waits until the rewrite ends, which takes minutes on a big table.
        1 | ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(100) USING lower("email");
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the rewrite and the index rebuilds end
        help: Instead, change the type in steps (expand/contract): a new column of the new type, kept equal by a trigger, takes the old one's place:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add new column: \`ALTER TABLE "auth"."users" ADD COLUMN "email_sdk_new" varchar(100);\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              2. create sync function: \`CREATE FUNCTION "auth"."sdk_sync_users_email_sdk_new"() RETURNS trigger LANGUAGE plpgsql AS $sdk$
              BEGIN
                IF TG_OP = 'INSERT' THEN
                  IF NEW."email_sdk_new" IS NULL AND NEW."email" IS NOT NULL THEN
                    NEW."email_sdk_new" := (SELECT lower("email") FROM (SELECT NEW.*) AS sdk_row)::varchar(100);
                  ELSIF NEW."email" IS NULL AND NEW."email_sdk_new" IS NOT NULL THEN
                    NEW."email" := NEW."email_sdk_new"::varchar(50);
                  END IF;
                ELSIF ROW(NEW."email")::record *<> ROW(OLD."email")::record AND NOT ROW(NEW."email_sdk_new")::record *<> ROW(OLD."email_sdk_new")::record THEN
                  NEW."email_sdk_new" := (SELECT lower("email") FROM (SELECT NEW.*) AS sdk_row)::varchar(100);
                ELSIF ROW(NEW."email_sdk_new")::record *<> ROW(OLD."email_sdk_new")::record AND NOT ROW(NEW."email")::record *<> ROW(OLD."email")::record AND ROW(NEW."email_sdk_new")::record *<> ROW((SELECT lower("email") FROM (SELECT NEW.*) AS sdk_row)::varchar(100))::record THEN
                  NEW."email" := NEW."email_sdk_new"::varchar(50);
                END IF;
                RETURN NEW;
              END
              $sdk$;\`
              3. create sync trigger: \`CREATE TRIGGER "sdk_sync_email_sdk_new" BEFORE INSERT OR UPDATE ON "auth"."users" FOR EACH ROW EXECUTE FUNCTION "auth"."sdk_sync_users_email_sdk_new"();\`
                 locks: SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it
              backfill, a data migration the same command runs right after the expand:
              4. copy old into new: \`UPDATE "auth"."users" SET "email_sdk_new" = (lower("email"))::varchar(100) WHERE "email_sdk_new" IS NULL AND "email" IS NOT NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              Before the contract: nothing has to be deployed in between: both versions keep using email, which has the new type once the contract ran (deploy code that expects the new type after it).
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              5. drop sync trigger: \`DROP TRIGGER "sdk_sync_email_sdk_new" ON "auth"."users";\`
                 locks: SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it
              6. drop sync function: \`DROP FUNCTION "auth"."sdk_sync_users_email_sdk_new"();\`
              7. drop old column: \`ALTER TABLE "auth"."users" DROP COLUMN "email";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              8. give the new column the old name: \`ALTER TABLE "auth"."users" RENAME COLUMN "email_sdk_new" TO "email";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              \`sdk db new change-column-type auth.users email --type "varchar(100)" --using 'lower("email")'\` writes these steps as migration files and a data migration; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
    `);
  });

  it('reports a change whose current type is unknown as the worst case, says it assumed it, and how to know', () => {
    const sql = 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);';
    const violations = lint(sql);
    expect(violations.map((v) => v.severity)).toEqual(['error']);
    const [message] = violations.map((v) => v.message);
    expect(message).toMatch(/^Verdict: rewrite assumed\. The current type of orders\.total is unknown here/);
    // The library names its own option; the CLI shows it as --database-url (apps/cli/src/flags.ts).
    expect(message).toContain('`sdk db plan` with `databaseUrl`');
    expect(message).not.toMatch(/--[a-z]/);
    // With the migration that creates the column read first, there is no assumption to make.
    expect(lint(sql, ['CREATE TABLE orders (id serial PRIMARY KEY, total numeric(10,2));'])).toEqual([]);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  changing-column-type
        Verdict: rewrite assumed. The current type of orders.total is unknown here (no migration read before this one says what it is), so the worst case is reported: changing it to numeric(12,2) rewrites the whole table and rebuilds its indexes while every query on orders waits, unless the change keeps the rows (varchar to text, a longer varchar, more numeric precision). To know instead of assume, lint the whole migrations folder with \`sdk db lint\`, or let the live catalog answer: \`sdk db plan\` with \`databaseUrl\` reads the column's type from the database.
        1 | ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);
          | ^
        lock: ACCESS EXCLUSIVE lock on orders (blocks every read and write) until the rewrite and the index rebuilds end, if it is a rewrite
        help: Instead, change the type in steps (expand/contract): a new column of the new type, kept equal by a trigger, takes the old one's place:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add new column: \`ALTER TABLE "public"."orders" ADD COLUMN "total_sdk_new" numeric(12,2);\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              2. create sync function: \`CREATE FUNCTION "public"."sdk_sync_orders_total_sdk_new"() RETURNS trigger LANGUAGE plpgsql AS $sdk$
              BEGIN
                IF TG_OP = 'INSERT' THEN
                  IF NEW."total_sdk_new" IS NULL AND NEW."total" IS NOT NULL THEN
                    NEW."total_sdk_new" := NEW."total"::numeric(12,2);
                  END IF;
                ELSIF ROW(NEW."total")::record *<> ROW(OLD."total")::record AND NOT ROW(NEW."total_sdk_new")::record *<> ROW(OLD."total_sdk_new")::record THEN
                  NEW."total_sdk_new" := NEW."total"::numeric(12,2);
                END IF;
                RETURN NEW;
              END
              $sdk$;\`
              3. create sync trigger: \`CREATE TRIGGER "sdk_sync_total_sdk_new" BEFORE INSERT OR UPDATE ON "public"."orders" FOR EACH ROW EXECUTE FUNCTION "public"."sdk_sync_orders_total_sdk_new"();\`
                 locks: SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it
              backfill, a data migration the same command runs right after the expand:
              4. copy old into new: \`UPDATE "public"."orders" SET "total_sdk_new" = "total"::numeric(12,2) WHERE "total_sdk_new" IS NULL AND "total" IS NOT NULL\`, in batches
                 locks: row locks on one batch at a time (about 100 ms each), resumable after a crash
              Before the contract: nothing has to be deployed in between: both versions keep using total, which has the new type once the contract ran (deploy code that expects the new type after it).
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              5. drop sync trigger: \`DROP TRIGGER "sdk_sync_total_sdk_new" ON "public"."orders";\`
                 locks: SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it
              6. drop sync function: \`DROP FUNCTION "public"."sdk_sync_orders_total_sdk_new"();\`
              7. drop old column: \`ALTER TABLE "public"."orders" DROP COLUMN "total";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              8. give the new column the old name: \`ALTER TABLE "public"."orders" RENAME COLUMN "total_sdk_new" TO "total";\`
                 locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it
              \`sdk db new change-column-type orders total --type "numeric(12,2)"\` writes these steps as migration files and a data migration; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
    `);
  });

  it.each([
    ['varchar(50) -> varchar(100)', 'ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(100);'],
    ['varchar(50) -> text', 'ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE text;'],
    ['varchar(50) -> varchar', 'ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE character varying;'],
    ['numeric(10,2) -> numeric(12,2)', 'ALTER TABLE "auth"."users" ALTER COLUMN "price" TYPE numeric(12,2);'],
    ['cidr -> inet', 'ALTER TABLE "auth"."users" ALTER COLUMN "net" TYPE inet;'],
    ['an unchanged type', 'ALTER TABLE "auth"."users" ALTER COLUMN "id" TYPE int;'],
  ])('accepts %s, which keeps the rows', (_, sql) => {
    expect(lint(sql, [users])).toEqual([]);
  });

  it.each([
    ['varchar(100) -> varchar(50)', 'ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(20);'],
    ['varchar -> varchar(20)', 'ALTER TABLE "auth"."users" ALTER COLUMN "bio" TYPE varchar(20);'],
    ['a change of numeric scale', 'ALTER TABLE "auth"."users" ALTER COLUMN "price" TYPE numeric(12,3);'],
    ['text -> integer', 'ALTER TABLE "auth"."users" ALTER COLUMN "bio" TYPE integer USING "bio"::integer;'],
  ])('reports %s', (_, sql) => {
    expect(lint(sql, [users]).map((v) => v.rule)).toEqual(['changing-column-type']);
  });

  it('knows the type from an earlier change in the same lint', () => {
    const history = [users, 'ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(200) USING "email";'];
    expect(lint('ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(300);', history)).toEqual([]);
  });

  it('accepts any change on a table created earlier in the same file', () => {
    const sql = 'CREATE TABLE "t" ("x" integer);\n--> statement-breakpoint\nALTER TABLE "t" ALTER COLUMN "x" TYPE bigint;';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts a foreign table, which has no storage to rewrite', () => {
    expect(lint('ALTER FOREIGN TABLE remote_users ALTER COLUMN id TYPE bigint;')).toEqual([]);
  });

  it('reports each rewriting column of one statement, by name', () => {
    const violations = lint('ALTER TABLE "auth"."users" ALTER COLUMN "id" TYPE bigint, ALTER COLUMN "email" TYPE text, ALTER COLUMN "bio" TYPE jsonb USING "bio"::jsonb;', [users]);
    expect(violations.map((v) => v.message.split(' ')[1])).toEqual(['auth.users.id', 'auth.users.bio']);
    expect(violations[1]?.help).toContain('ADD COLUMN "bio_sdk_new" jsonb;');
    // `USING "bio"::jsonb` is the cast PostgreSQL makes without one: the plan casts the column.
    expect(violations[1]?.help).toContain('`UPDATE "auth"."users" SET "bio_sdk_new" = "bio"::jsonb WHERE "bio_sdk_new" IS NULL AND "bio" IS NOT NULL`, in batches');
    expect(violations[1]?.help).toContain('`sdk db new change-column-type auth.users bio --type jsonb`');
  });

  it('prints the change-column-type plan, step for step, with the new type and conversion as written', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(100) USING lower("email");', [users]);
    const old = { name: 'email', type: 'varchar(50)', notNull: false, default: null, identity: false, generated: false };
    const plan = changeColumnType.plan(retypedColumn(knownTable('auth', 'users'), old, 'varchar(100)', 'lower("email")', true));
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    expect(v?.help).toContain(`\`sdk db new change-column-type auth.users email --type "varchar(100)" --using 'lower("email")'\``);
  });

  it('keeps the recipe in words for a column a key uses, which change-column-type refuses (the key would stay on the old column)', () => {
    const [v] = lint('ALTER TABLE "auth"."users" ALTER COLUMN "id" TYPE bigint;', [users]);
    expect(v?.help).toContain('1. Add a column of the new type: `ALTER TABLE "auth"."users" ADD COLUMN "id_new" bigint;`');
    expect(v?.help).not.toContain('sdk db new');
  });

  it('finds the statement inside a DO block', () => {
    const sql = 'DO $$ BEGIN\n  ALTER TABLE auth.users ALTER COLUMN id TYPE bigint;\nEND $$;';
    const violations = lint(sql, [users]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ line: 2, column: 3 });
    expect(violations[0]?.help).toContain('`ALTER TABLE auth.users ADD COLUMN id_new bigint;`');
  });

  describe('timestamp -> timestamptz', () => {
    const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "seen_at" TYPE timestamp with time zone;';

    it('warns on PostgreSQL 12+ that only a UTC session avoids the rewrite', () => {
      const violations = lint(sql, [users], 16);
      expect(rendered(sql, violations)).toMatchInlineSnapshot(`
        "migration.sql:1:1  warning  changing-column-type
          Changing auth.users.seen_at from timestamp to timestamptz rewrites the whole table unless the session TimeZone is UTC (then PostgreSQL 12+ keeps the rows as they are); this migration does not set the time zone, so it depends on the server's setting. During a rewrite every query on auth.users waits until the rewrite ends, which takes minutes on a big table.
          1 | ALTER TABLE "auth"."users" ALTER COLUMN "seen_at" TYPE timestamp with time zone;
            | ^
          lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held for the whole rewrite if one happens
          help: If the stored values are UTC times, put \`SET LOCAL TimeZone = 'UTC';\` before this statement in the same migration: the change then only touches the catalog. If they are local times of another zone, the rewrite is what converts them: change the type in steps instead (add a timestamptz column, keep it in sync with a trigger, backfill it with \`sdk db backfill\`, switch the app, drop the old column in a contract migration)."
      `);
    });

    it('accepts it after SET LOCAL TimeZone = UTC in the same transaction', () => {
      expect(lint(`SET LOCAL TimeZone = 'UTC';\n${sql}`, [users], 16)).toEqual([]);
      expect(lint(`SET TIME ZONE 'Etc/UTC';\n${sql}`, [users], 16)).toEqual([]);
    });

    it('reports a rewrite when the migration sets another zone, or resets it', () => {
      expect(lint(`SET TIME ZONE 'Europe/Paris';\n${sql}`, [users], 16)[0]?.severity).toBe('error');
      expect(lint(`SET TIME ZONE 'UTC';\nRESET timezone;\n${sql}`, [users], 16)[0]?.severity).toBe('warning');
    });

    it('reports an error before PostgreSQL 12, which always rewrites', () => {
      expect(lint(`SET LOCAL TimeZone = 'UTC';\n${sql}`, [users], 11).map((v) => v.severity)).toEqual(['error']);
    });

    it('reports an error when the precision shrinks', () => {
      expect(lint('ALTER TABLE "auth"."users" ALTER COLUMN "seen_at" TYPE timestamptz(3);', [users], 16)[0]?.severity).toBe('error');
    });

    it('reports an error, even in UTC, for a target precision other than 6: the typmod coercion rewrites', () => {
      const events = 'CREATE TABLE "events" ("id" serial PRIMARY KEY, "happened_at" timestamp (3) NOT NULL);';
      const utc = "SET LOCAL TimeZone = 'UTC';\n--> statement-breakpoint\n";
      expect(lint(`${utc}ALTER TABLE "events" ALTER COLUMN "happened_at" SET DATA TYPE timestamp (3) with time zone;`, [events], 15).map((v) => v.severity)).toEqual(['error']);
      expect(lint(`${utc}ALTER TABLE "events" ALTER COLUMN "happened_at" SET DATA TYPE timestamp (6) with time zone;`, [events], 15)).toEqual([]);
      expect(lint(`${utc}ALTER TABLE "events" ALTER COLUMN "happened_at" SET DATA TYPE timestamp with time zone;`, [events], 15)).toEqual([]);
    });
  });

  describe('arrays', () => {
    const posts = 'CREATE TABLE "posts" ("id" serial PRIMARY KEY, "tags" varchar(20)[]);';

    it('reports widening the elements of an array, which goes through an array coercion that rewrites', () => {
      const sql = 'ALTER TABLE "posts" ALTER COLUMN "tags" SET DATA TYPE varchar(40)[];';
      expect(lint(sql, [posts]).map((v) => v.message)).toEqual([
        'Changing posts.tags from varchar(20)[] to varchar(40)[] rewrites the whole table and rebuilds its indexes; every query on posts waits until the rewrite ends, which takes minutes on a big table.',
      ]);
    });

    it('reports varchar[] -> text[], although varchar -> text keeps the rows', () => {
      expect(lint('ALTER TABLE "posts" ALTER COLUMN "tags" SET DATA TYPE text[];', [posts])).toHaveLength(1);
    });

    it('accepts dropping the typmod of the elements', () => {
      expect(lint('ALTER TABLE "posts" ALTER COLUMN "tags" SET DATA TYPE varchar[];', [posts])).toEqual([]);
    });
  });

  describe('other binary-coercible pairs of pg_cast (checked on PostgreSQL 15 by relfilenode; corpus: safe/pg-types-bit-to-varbit)', () => {
    const flags = ['CREATE TABLE "flags" ("mask" bit(8), "doc" xml);'];
    it.each([
      ['bit(8) -> bit varying', 'ALTER TABLE "flags" ALTER COLUMN "mask" SET DATA TYPE bit varying;'],
      ['xml -> varchar', 'ALTER TABLE "flags" ALTER COLUMN "doc" SET DATA TYPE varchar;'],
    ])('accepts %s, which keeps the rows', (_, sql) => {
      expect(lint(sql, flags)).toEqual([]);
    });

    it('reports bit(8) -> bit varying(16): the length check on top of the relabel rewrites', () => {
      expect(lint('ALTER TABLE "flags" ALTER COLUMN "mask" SET DATA TYPE bit varying(16);', flags).map((v) => v.rule)).toEqual(['changing-column-type']);
    });
  });

  describe('domains (checked on PostgreSQL 15 by relfilenode; corpus: safe/pg-types-text-to-unconstrained-domain, safe/pg-types-domain-to-base-type)', () => {
    const history = [
      'CREATE DOMAIN "slug" AS text;\n--> statement-breakpoint\nCREATE DOMAIN "email_address" AS text CHECK (VALUE ~ \'@\');\n--> statement-breakpoint\nCREATE DOMAIN "short_code" AS varchar(40);\n--> statement-breakpoint\nCREATE DOMAIN "code20" AS varchar(20) CHECK (VALUE <> \'\');',
      'CREATE TABLE "articles" ("path" text, "email" "email_address", "code" varchar(20), "legacy" "code20");',
    ];
    const change = (column: string, type: string) => `ALTER TABLE "articles" ALTER COLUMN "${column}" SET DATA TYPE ${type};`;

    it.each([
      ['text -> a domain over text without constraints', change('path', '"slug"')],
      ['varchar(20) -> a domain over varchar(40) without constraints', change('code', '"short_code"')],
      ['a domain with a CHECK -> its base type', change('email', 'text')],
      ['a domain over varchar(20) -> text, binary coercible from its base type', change('legacy', 'text')],
    ])('accepts %s, which keeps the rows', (_, sql) => {
      expect(lint(sql, history)).toEqual([]);
    });

    it.each([
      ['text -> a domain with a CHECK, which checks every value', change('path', '"email_address"')],
      ['text -> a domain over varchar(40), whose length is checked', change('path', '"short_code"')],
      ['a domain over varchar(20) -> varchar(40): the column has no typmod to compare', change('legacy', 'varchar(40)')],
    ])('reports %s', (_, sql) => {
      expect(lint(sql, history).map((v) => v.rule)).toEqual(['changing-column-type']);
    });
  });

  describe('USING', () => {
    const products = 'CREATE TABLE products (id serial PRIMARY KEY, sku varchar(50) NOT NULL, name varchar(100));';

    it('accepts USING the column itself, or the column cast to the new type: what PostgreSQL does without USING', () => {
      expect(lint('ALTER TABLE products ALTER COLUMN sku TYPE varchar(100) USING sku;', [products])).toEqual([]);
      expect(lint('ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING name::varchar(200);', [products])).toEqual([]);
    });

    it('reports USING the column cast to another type, or any other expression', () => {
      expect(lint('ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING name::text;', [products])).toHaveLength(1);
      expect(lint('ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING lower(name);', [products])).toHaveLength(1);
    });

    it('still reports USING the column when the type change itself rewrites', () => {
      const [v] = lint('ALTER TABLE products ALTER COLUMN id TYPE bigint USING id;', [products]);
      expect(v?.message).toContain('from integer to bigint rewrites the whole table');
      expect(v?.help).toContain('`ALTER TABLE products ADD COLUMN id_new bigint;`');
    });
  });

  it('keeps the new type as written when other statements come before it in the file', () => {
    const sql = 'DROP INDEX "a";\n--> statement-breakpoint\nALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE numeric(14, 2);';
    const violations = lint(sql, ['CREATE TABLE "orders" ("id" serial PRIMARY KEY, "total" integer);']);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.help).toContain('1. add new column: `ALTER TABLE "public"."orders" ADD COLUMN "total_sdk_new" numeric(14, 2);`');
    expect(violations[0]?.help).toContain('`UPDATE "public"."orders" SET "total_sdk_new" = "total"::numeric(14, 2) WHERE "total_sdk_new" IS NULL AND "total" IS NOT NULL`');
    expect(violations[0]?.help).toContain('`sdk db new change-column-type orders total --type "numeric(14, 2)"`');
  });

  describe('COLLATE', () => {
    it('reports a collation change that keeps the rows, because it rebuilds the indexes on the column', () => {
      const sql = 'ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(50) COLLATE "C";';
      expect(rendered(sql, lint(sql, [users]))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  changing-column-type
          Changing the collation of auth.users.email to "C" keeps the rows, but rebuilds every index on email while every query on auth.users waits until the rebuilds end, which takes minutes on a big table.
          1 | ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(50) COLLATE "C";
            | ^
          lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write) until the index rebuilds end
          help: Instead, build the indexes with the new collation first, so this statement only changes the catalog:
                1. For each index on "email", build a copy that uses the new collation without blocking writes: \`CREATE INDEX CONCURRENTLY users_email_collate_idx ON "auth"."users" ("email" COLLATE "C");\` (UNIQUE where the old index is unique)
                2. Drop the old indexes with \`DROP INDEX CONCURRENTLY ...;\` (an index behind a UNIQUE or PRIMARY KEY constraint goes with \`ALTER TABLE "auth"."users" DROP CONSTRAINT ...;\`, once its unique copy exists)
                3. Then \`ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(50) COLLATE "C";\`: PostgreSQL keeps indexes whose collation does not change, so nothing is rebuilt.
                If no index uses "email", the statement only changes the catalog already."
      `);
    });

    it('reports a collation change with a rewrite as the rewrite', () => {
      const [v] = lint('ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(20) COLLATE "C";', [users]);
      expect(v?.message).toContain('rewrites the whole table');
    });

    it('accepts it on a table created earlier in the same file', () => {
      expect(lint(`${users}\nALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE varchar(50) COLLATE "C";`)).toEqual([]);
    });

    it('finds the statement inside a DO block', () => {
      expect(lint('DO $$ BEGIN\n  ALTER TABLE "auth"."users" ALTER COLUMN "email" TYPE text COLLATE "C";\nEND $$;', [users])).toMatchObject([{ line: 2, column: 3 }]);
    });
  });
});
