import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSqlSync, loadParser } from './index.js';

beforeAll(async () => {
  await loadParser();
});

/** The last statement of the text, classified in the context of the ones before it. */
const last = (sql: string) => {
  const statements = analyzeSqlSync(sql);
  return statements[statements.length - 1]!;
};

describe('statements PostgreSQL refuses inside a transaction block', () => {
  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (x)', /^CREATE INDEX CONCURRENTLY cannot run inside a transaction block$/],
    ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "s"."t" ("x")', /^CREATE INDEX CONCURRENTLY/],
    ['DROP INDEX CONCURRENTLY i', /^DROP INDEX CONCURRENTLY/],
    ['REINDEX INDEX CONCURRENTLY i', /^REINDEX CONCURRENTLY/],
    ['REINDEX (CONCURRENTLY, VERBOSE) TABLE t', /^REINDEX CONCURRENTLY/],
    ['REINDEX SCHEMA s', /^REINDEX SCHEMA/],
    ['REINDEX DATABASE d', /^REINDEX DATABASE/],
    ['VACUUM', /^VACUUM/],
    ['VACUUM (ANALYZE) t', /^VACUUM/],
    ['VACUUM FULL t', /^VACUUM/],
    ['CLUSTER', /^CLUSTER without a table name/],
    ['CREATE DATABASE d', /^CREATE DATABASE/],
    ['DROP DATABASE d', /^DROP DATABASE/],
    ['ALTER DATABASE d SET TABLESPACE fast', /^ALTER DATABASE ... SET TABLESPACE/],
    ["CREATE TABLESPACE fast LOCATION '/ssd'", /^CREATE TABLESPACE/],
    ['DROP TABLESPACE fast', /^DROP TABLESPACE/],
    ['ALTER SYSTEM SET work_mem = 1', /^ALTER SYSTEM/],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p", /^CREATE SUBSCRIPTION/],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (create_slot = true)", /^CREATE SUBSCRIPTION/],
    ['DROP SUBSCRIPTION s', /^DROP SUBSCRIPTION/],
    ['ALTER SUBSCRIPTION s REFRESH PUBLICATION', /^ALTER SUBSCRIPTION ... REFRESH PUBLICATION/],
    ['ALTER SUBSCRIPTION s SET PUBLICATION p', /^ALTER SUBSCRIPTION ... PUBLICATION with refresh/],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', /^ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY/],
    ['DISCARD ALL', /^DISCARD ALL/],
  ])('%s runs outside one', (sql, reason) => {
    const statement = last(sql);
    expect(statement.transactional).toBe(false);
    expect(statement.nonTransactionalReason).toMatch(reason);
  });

  it.each([
    'CREATE INDEX i ON t (x)',
    'DROP INDEX i',
    'REINDEX INDEX i',
    'REINDEX (CONCURRENTLY false) INDEX i',
    'REINDEX (CONCURRENTLY 0) TABLE t',
    'ANALYZE t',
    'CLUSTER t USING i',
    'ALTER TABLE p DETACH PARTITION c',
    'ALTER DATABASE d SET work_mem = 1',
    "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (create_slot = false)",
    "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (connect = false)",
    'ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)',
    'ALTER SUBSCRIPTION s DISABLE',
    'DISCARD PLANS',
    "ALTER TYPE mood ADD VALUE 'sad'",
  ])('the look-alike %s stays in the transaction', (sql) => {
    const statement = last(sql);
    expect(statement.transactional).toBe(true);
    expect(statement.nonTransactionalReason).toBeUndefined();
  });
});

describe('ALTER TYPE ... ADD VALUE', () => {
  const addThen = (later: string) => analyzeSqlSync(`ALTER TYPE mood ADD VALUE 'sad';\n--> statement-breakpoint\n${later}`)[0]!;

  it.each([
    ["UPDATE person SET m = 'sad' WHERE m = 'blue';", 'a string constant'],
    ["ALTER TABLE person ALTER COLUMN m SET DEFAULT 'sad'::mood;", 'a cast'],
    ["CREATE INDEX sad_people ON person (id) WHERE m = 'sad';", 'an index predicate'],
    ["DO $$ BEGIN UPDATE person SET m = 'sad'; END $$;", 'a DO block'],
    ["CREATE FUNCTION f() RETURNS mood LANGUAGE sql AS $$ SELECT 'sad'::mood $$;", 'a function body'],
  ])('runs outside the transaction when a later statement uses the new value (%s, %s)', (later) => {
    const statement = addThen(later);
    expect(statement.transactional).toBe(false);
    expect(statement.nonTransactionalReason).toBe(
      "enum value 'sad' is used by a later statement (line 3), which fails unless this ALTER TYPE ... ADD VALUE has committed first",
    );
  });

  it.each([
    ["UPDATE person SET m = 'happy';", 'another value'],
    ['UPDATE person SET sad = true;', 'a column named like the value'],
    ["DO $$ BEGIN RAISE NOTICE 'sadness'; END $$;", 'a longer word in a DO block'],
  ])('stays in the transaction when no later statement uses the value (%s, %s)', (later) => {
    expect(addThen(later).transactional).toBe(true);
  });

  it('stays in the transaction when only an earlier statement mentions the value', () => {
    const [update, add] = analyzeSqlSync("UPDATE person SET note = 'sad';\nALTER TYPE mood ADD VALUE 'sad';");
    expect(update!.transactional).toBe(true);
    expect(add!.transactional).toBe(true);
  });
});

describe('concurrent index builds', () => {
  it('names the index, its schema and its table, so a failed build can be found', () => {
    expect(last('CREATE INDEX CONCURRENTLY "users_email_idx" ON "auth"."users" ("email")').concurrentIndex).toEqual({
      schema: 'auth',
      name: 'users_email_idx',
      table: 'users',
    });
  });

  it('leaves the schema undefined when the statement leaves it to search_path', () => {
    expect(last('CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email)').concurrentIndex).toEqual({
      schema: undefined,
      name: 'users_email_idx',
      table: 'users',
    });
  });

  it('leaves the name undefined when PostgreSQL chooses it', () => {
    expect(last('CREATE INDEX CONCURRENTLY ON users (email)').concurrentIndex).toEqual({ schema: undefined, name: undefined, table: 'users' });
  });

  it('names the index REINDEX INDEX CONCURRENTLY rebuilds', () => {
    expect(last('REINDEX INDEX CONCURRENTLY "auth"."users_email_idx"').concurrentIndex).toEqual({
      schema: 'auth',
      name: 'users_email_idx',
      table: undefined,
    });
  });

  it.each(['CREATE INDEX users_email_idx ON auth.users (email)', 'REINDEX INDEX auth.users_email_idx', 'REINDEX TABLE CONCURRENTLY auth.users', 'DROP INDEX CONCURRENTLY i'])(
    'is not reported for %s',
    (sql) => {
      expect(last(sql).concurrentIndex).toBeUndefined();
    },
  );
});

describe('the phase of each statement', () => {
  it.each([
    ['CREATE TABLE t (id int PRIMARY KEY)', 'expand', 'creates table t'],
    ['CREATE SCHEMA "auth"', 'expand', 'creates schema auth'],
    ["CREATE TYPE mood AS ENUM ('a')", 'expand', 'creates type mood'],
    ['CREATE SEQUENCE s.q', 'expand', 'creates sequence s.q'],
    ['CREATE VIEW v AS SELECT 1', 'expand', 'creates view v'],
    ['CREATE OR REPLACE VIEW v AS SELECT 1', 'expand', 'creates or replaces view v'],
    ['CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'expand', 'creates or replaces function f'],
    ['CREATE INDEX i ON t (x)', 'expand', 'creates index i on t'],
    ['CREATE INDEX CONCURRENTLY i ON t (x)', 'expand', 'creates index i on t'],
    ['CREATE UNIQUE INDEX CONCURRENTLY i ON "auth"."t" (x)', 'contract', 'creates unique index i on auth.t: writes from the running app may violate it'],
    ['ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20)', 'expand', 'adds column auth.users.phone_number, which the running app does not use'],
    ["ALTER TABLE t ADD COLUMN s text NOT NULL DEFAULT 'x'", 'expand', 'adds column t.s, which the running app does not use'],
    ['ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'expand', 'adds column t.id, which the running app does not use'],
    ['ALTER TABLE t ADD COLUMN id bigserial PRIMARY KEY', 'expand', 'adds column t.id, which the running app does not use'],
    ['ALTER TABLE t ADD COLUMN total int NOT NULL GENERATED ALWAYS AS (a + b) STORED', 'expand', 'adds column t.total, which the running app does not use'],
    ['ALTER TABLE t ADD COLUMN s text NOT NULL', 'contract', 'adds NOT NULL column t.s without a default: inserts from the running app fail'],
    ['ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int PRIMARY KEY', 'contract', 'adds NOT NULL column t.b without a default: inserts from the running app fail'],
    ['ALTER TABLE t DROP COLUMN s', 'contract', 'drops column t.s: the running app may still read or write it'],
    ['ALTER TABLE t ALTER COLUMN s SET NOT NULL', 'contract', 'makes t.s NOT NULL: the running app may still write NULL into it'],
    ['ALTER TABLE t ALTER COLUMN s DROP NOT NULL', 'expand', 'alters table t without breaking the running app'],
    ['ALTER TABLE t ALTER COLUMN s TYPE bigint', 'contract', 'changes the type of t.s: the running app may read or send values of the old type'],
    ["ALTER TABLE t ALTER COLUMN s SET DEFAULT 'x'", 'expand', 'alters table t without breaking the running app'],
    ['ALTER TABLE t ALTER COLUMN s DROP DEFAULT', 'expand', 'alters table t without breaking the running app'],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID', 'contract', 'adds a check constraint to t: writes from the running app may violate it'],
    ['ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES u (id)', 'contract', 'adds a foreign key constraint to t: writes from the running app may violate it'],
    ['ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i', 'contract', 'adds a unique constraint to t: writes from the running app may violate it'],
    ['ALTER TABLE t ADD CONSTRAINT n NOT NULL x', 'contract', 'adds a not-null constraint to t: writes from the running app may violate it'],
    ['ALTER TABLE t VALIDATE CONSTRAINT c', 'expand', 'alters table t without breaking the running app'],
    ['ALTER TABLE t DROP CONSTRAINT c', 'expand', 'alters table t without breaking the running app'],
    ['ALTER TABLE p DETACH PARTITION c', 'contract', "detaches a partition from p: its rows disappear from the running app's queries of p"],
    ['ALTER TABLE t RENAME COLUMN a TO b', 'contract', 'renames column t.a to b: the running app still uses the old name'],
    ['ALTER TABLE "auth"."users" RENAME TO "members"', 'contract', 'renames table auth.users to members: the running app still uses the old name'],
    ['ALTER SCHEMA a RENAME TO b', 'contract', 'renames schema a to b: the running app still uses the old name'],
    ['ALTER VIEW v RENAME TO w', 'contract', 'renames view v to w: the running app still uses the old name'],
    ['ALTER TYPE mood RENAME TO feeling', 'contract', 'renames type mood to feeling: the running app still uses the old name'],
    ['ALTER INDEX i RENAME TO j', 'expand', 'renames index i to j, a name the running app does not use'],
    ['ALTER TABLE t RENAME CONSTRAINT c TO d', 'expand', 'renames constraint t.c to d, a name the running app does not use'],
    ['ALTER TABLE t SET SCHEMA s', 'contract', 'moves table t to schema s: the running app uses the old schema'],
    ['ALTER TYPE mood SET SCHEMA s', 'contract', 'moves type mood to schema s: the running app uses the old schema'],
    ['DROP TABLE "auth"."users", t', 'contract', 'drops table auth.users, t: the running app may still use it'],
    ['DROP VIEW v', 'contract', 'drops view v: the running app may still use it'],
    ['DROP SCHEMA s CASCADE', 'contract', 'drops schema s: the running app may still use it'],
    ['DROP TYPE mood', 'contract', 'drops type mood: the running app may still use it'],
    ['DROP FUNCTION f(int)', 'contract', 'drops function f: the running app may still use it'],
    ['DROP SEQUENCE s.q', 'contract', 'drops sequence s.q: the running app may still use it'],
    ['DROP INDEX CONCURRENTLY "auth"."i"', 'expand', 'drops index auth.i: queries may get slower but keep working'],
    ["ALTER TYPE mood ADD VALUE 'sad'", 'expand', "adds enum value 'sad' to mood"],
    ["ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'", 'contract', "renames enum value 'sad' of mood: the running app still uses the old value"],
    ['TRUNCATE a, s.b', 'contract', 'empties a, s.b: rows the running app uses disappear'],
    ['DELETE FROM "auth"."users" WHERE x', 'contract', 'deletes rows from auth.users: rows the running app uses may disappear'],
    ["UPDATE t SET s = '' WHERE s IS NULL", 'expand', 'updates rows of t (a backfill)'],
    ["INSERT INTO t VALUES ('x')", 'expand', 'inserts rows into t'],
    ['GRANT SELECT ON t TO app', 'expand', 'grants privileges on tables'],
    ['REVOKE SELECT ON t FROM app', 'contract', 'revokes privileges on tables: the running app may lose access'],
    ["COMMENT ON TABLE t IS 'x'", 'expand', 'sets a comment'],
    ['VACUUM t', 'expand', 'no breaking change detected'],
  ])('%s is %s', (sql, phase, reason) => {
    expect(last(sql)).toMatchObject({ phase, phaseReason: reason });
  });

  it('lets a migration shape a table it creates, which the running app cannot use yet', () => {
    const statements = analyzeSqlSync(
      [
        'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "user_id" integer);',
        'ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");',
        'ALTER TABLE "public"."posts" ALTER COLUMN "user_id" SET NOT NULL;',
        'CREATE UNIQUE INDEX "posts_user_idx" ON "posts" ("user_id");',
        'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE ("email");',
      ].join('\n--> statement-breakpoint\n'),
    );
    expect(statements.map((s) => s.phase)).toEqual(['expand', 'expand', 'expand', 'expand', 'contract']);
    expect(statements[1]!.phaseReason).toBe('alters table posts, which this migration creates, so the running app does not use it yet');
  });

  it('does not count a table created after the statement', () => {
    const [alter] = analyzeSqlSync('ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0);\nCREATE TABLE t (x int);');
    expect(alter!.phase).toBe('contract');
  });

  it('tells tables of different schemas apart', () => {
    expect(last('CREATE TABLE "auth"."users" (id int);\nALTER TABLE "users" DROP COLUMN "phone";').phase).toBe('contract');
  });
});
