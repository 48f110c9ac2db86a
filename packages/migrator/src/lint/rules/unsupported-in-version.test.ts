import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { unsupportedInVersion as rule } from './unsupported-in-version.js';

beforeAll(loadParser);

const lint = (sql: string, pgVersion: number) => lintSql(sql, { rules: [rule], pgVersion });

describe('unsupported-in-version', () => {
  it('reports DETACH PARTITION ... CONCURRENTLY before PostgreSQL 14', () => {
    const sql = 'ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;';
    const violations = lint(sql, 13);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  unsupported-in-version
        DETACH PARTITION ... CONCURRENTLY needs PostgreSQL 14; on PostgreSQL 13 this statement is an error and the migration stops here.
        1 | ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;
          | ^
        help: Detach without CONCURRENTLY (ACCESS EXCLUSIVE on the parent and the partition, held briefly with the runner's lock_timeout), or upgrade first. (The verdict follows --pg-version, else the target database's version.)"
    `);
    expect(lint(sql, 14)).toEqual([]);
  });

  it('reports a virtual generated column and a named NOT NULL constraint before PostgreSQL 18', () => {
    expect(lint('ALTER TABLE "users" ADD COLUMN "full_name" text GENERATED ALWAYS AS ("first" || \' \' || "last");', 17).map((v) => v.message)).toEqual([
      'A virtual generated column (`GENERATED ALWAYS AS (...)` without STORED) needs PostgreSQL 18; on PostgreSQL 17 this statement is an error and the migration stops here.',
    ]);
    expect(lint('ALTER TABLE "users" ADD CONSTRAINT "users_email_nn" NOT NULL "email" NOT VALID;', 17)).toHaveLength(1);
    expect(lint('ALTER TABLE "users" ADD CONSTRAINT "users_email_nn" NOT NULL "email" NOT VALID;', 18)).toEqual([]);
  });

  it('reports NULLS NOT DISTINCT and MERGE before PostgreSQL 15', () => {
    expect(lint('CREATE UNIQUE INDEX "u" ON "t" ("x") NULLS NOT DISTINCT;', 14)).toHaveLength(1);
    expect(lint('CREATE TABLE "t" ("x" int UNIQUE NULLS NOT DISTINCT);', 14)).toHaveLength(1);
    expect(lint('MERGE INTO "t" USING "s" ON "t"."id" = "s"."id" WHEN MATCHED THEN DELETE;', 14)).toHaveLength(1);
    expect(lint('CREATE UNIQUE INDEX "u" ON "t" ("x") NULLS NOT DISTINCT;', 15)).toEqual([]);
  });

  it('accepts STORED generated columns and plain statements on any version', () => {
    expect(lint('CREATE TABLE "t" ("a" int, "b" int GENERATED ALWAYS AS ("a" * 2) STORED);', 12)).toEqual([]);
    expect(lint('ALTER TABLE "events" DETACH PARTITION "events_2024";', 10)).toEqual([]);
  });
});
