import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSqlSync, loadParser, migrationPhase } from './index.js';

beforeAll(async () => {
  await loadParser();
});

const one = (sql: string) => {
  const statements = analyzeSqlSync(sql);
  return statements[statements.length - 1]!;
};

describe('statements that must run outside a transaction', () => {
  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (x)', /CREATE INDEX CONCURRENTLY/],
    ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t (x)', /CREATE INDEX CONCURRENTLY/],
    ['DROP INDEX CONCURRENTLY i', /DROP INDEX CONCURRENTLY/],
    ['REINDEX INDEX CONCURRENTLY i', /REINDEX CONCURRENTLY/],
    ['REINDEX (CONCURRENTLY) TABLE t', /REINDEX CONCURRENTLY/],
    ['VACUUM t', /VACUUM/],
    ['VACUUM (ANALYZE) t', /VACUUM/],
    ['CREATE DATABASE d', /DATABASE/],
    ['ALTER SYSTEM SET work_mem = 1', /ALTER SYSTEM/],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', /DETACH PARTITION CONCURRENTLY/],
    ['CLUSTER', /CLUSTER/],
  ])('%s', (sql, reason) => {
    const s = one(sql);
    expect(s.transactional).toBe(false);
    expect(s.nonTransactionalReason).toMatch(reason);
  });

  it.each(['CREATE INDEX i ON t (x)', 'DROP INDEX i', 'REINDEX INDEX i', 'ANALYZE t', 'CLUSTER t USING i', 'ALTER TABLE p DETACH PARTITION c'])(
    'keeps the look-alike %s in the transaction',
    (sql) => {
      expect(one(sql).transactional).toBe(true);
    },
  );

  it('runs ALTER TYPE ... ADD VALUE outside the transaction only when a later statement uses the value', () => {
    const used = analyzeSqlSync("ALTER TYPE mood ADD VALUE 'sad';\n--> statement-breakpoint\nUPDATE person SET m = 'sad' WHERE m = 'blue';");
    expect(used[0]!.transactional).toBe(false);
    expect(used[0]!.nonTransactionalReason).toMatch(/'sad' is used later/);
    const unused = analyzeSqlSync("ALTER TYPE mood ADD VALUE 'sad';\n--> statement-breakpoint\nUPDATE person SET m = 'happy';");
    expect(unused[0]!.transactional).toBe(true);
  });

  it('names the index a concurrent build creates, so a failed build can be found', () => {
    expect(one('CREATE INDEX CONCURRENTLY "users_email_idx" ON "auth"."users" ("email")').concurrentIndex).toEqual({
      schema: 'auth',
      name: 'users_email_idx',
      table: 'users',
    });
    expect(one('REINDEX INDEX CONCURRENTLY auth.users_email_idx').concurrentIndex).toMatchObject({ schema: 'auth', name: 'users_email_idx' });
    expect(one('CREATE INDEX "users_email_idx" ON "auth"."users" ("email")').concurrentIndex).toBeUndefined();
  });
});

describe('expand or contract', () => {
  it.each([
    ['CREATE TABLE t (id int PRIMARY KEY)', 'expand'],
    ['ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20)', 'expand'],
    ["ALTER TABLE t ADD COLUMN s text NOT NULL DEFAULT 'x'", 'expand'],
    ['ALTER TABLE t ADD COLUMN s text NOT NULL', 'contract'],
    ['ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY', 'expand'],
    ['ALTER TABLE t DROP COLUMN s', 'contract'],
    ['ALTER TABLE t ALTER COLUMN s SET NOT NULL', 'contract'],
    ['ALTER TABLE t ALTER COLUMN s DROP NOT NULL', 'expand'],
    ['ALTER TABLE t ALTER COLUMN s TYPE bigint', 'contract'],
    ["ALTER TABLE t ALTER COLUMN s SET DEFAULT 'x'", 'expand'],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID', 'contract'],
    ['ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES u (id)', 'contract'],
    ['ALTER TABLE t DROP CONSTRAINT c', 'expand'],
    ['ALTER TABLE t RENAME COLUMN a TO b', 'contract'],
    ['ALTER TABLE t RENAME TO u', 'contract'],
    ['ALTER INDEX i RENAME TO j', 'expand'],
    ['ALTER TABLE t RENAME CONSTRAINT c TO d', 'expand'],
    ['ALTER TABLE t SET SCHEMA s', 'contract'],
    ['DROP TABLE t', 'contract'],
    ['DROP SCHEMA s CASCADE', 'contract'],
    ['DROP INDEX i', 'expand'],
    ['TRUNCATE t', 'contract'],
    ['DELETE FROM t WHERE x', 'contract'],
    ["UPDATE t SET s = '' WHERE s IS NULL", 'expand'],
    ['CREATE INDEX CONCURRENTLY i ON t (x)', 'expand'],
    ["ALTER TYPE mood ADD VALUE 'sad'", 'expand'],
    ["COMMENT ON TABLE t IS 'x'", 'expand'],
  ])('%s is %s', (sql, phase) => {
    expect(one(sql).phase).toBe(phase);
  });

  it('explains a contract verdict with the object it touches', () => {
    expect(one('ALTER TABLE "auth"."users" DROP COLUMN "phone_number"').phaseReason).toBe(
      'drops column auth.users.phone_number: the running app may still read or write it',
    );
  });

  it('makes a migration contract when any statement is, pointing at its line', () => {
    const text = 'ALTER TABLE t ADD COLUMN a int;\n--> statement-breakpoint\nALTER TABLE t ALTER COLUMN a SET NOT NULL;';
    expect(migrationPhase(text, analyzeSqlSync(text))).toEqual({
      phase: 'contract',
      source: 'inferred',
      reason: 'line 3: makes t.a NOT NULL: the running app may still write NULL',
    });
  });

  it('lets a -- sdk:phase comment override the inference, but not the same words inside a string', () => {
    const forced = '-- sdk:phase expand\nALTER TABLE t DROP COLUMN old_unused;';
    expect(migrationPhase(forced, analyzeSqlSync(forced))).toMatchObject({ phase: 'expand', source: 'comment' });
    const quoted = "ALTER TABLE t DROP COLUMN c;\nCOMMENT ON TABLE t IS '\n-- sdk:phase expand';";
    expect(migrationPhase(quoted, analyzeSqlSync(quoted))).toMatchObject({ phase: 'contract', source: 'inferred' });
  });
});
