import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { transactionControl as rule } from './transaction-control.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule] });

describe('transaction-control', () => {
  it('reports BEGIN and COMMIT around the statements of a drizzle-kit migration', () => {
    const sql = 'BEGIN;\n--> statement-breakpoint\nALTER TABLE "auth"."users" ADD COLUMN "bio" text;\n--> statement-breakpoint\nCOMMIT;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  transaction-control
        BEGIN in a migration does nothing inside the runner's transaction (PostgreSQL only warns), but the COMMIT that goes with it ends the runner's transaction early, so a failure after it leaves the migration half-applied and its recorded progress wrong (\`sdk db migrate\` refuses the file).
        1 | BEGIN;
          | ^
        help: Remove it: the runner already runs each migration in one transaction, and runs on their own the statements that cannot run inside one.

      migration.sql:5:1  error  transaction-control
        COMMIT in a migration ends the runner's transaction early, so a failure after it leaves the migration half-applied and its recorded progress wrong (\`sdk db migrate\` refuses the file).
        5 | COMMIT;
          | ^
        help: Remove it: the runner already runs each migration in one transaction, and runs on their own the statements that cannot run inside one."
    `);
  });

  it("says what each form does to the runner's transaction: START TRANSACTION, END, ROLLBACK and savepoints", () => {
    const sql = 'START TRANSACTION;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\nEND;\nBEGIN;\nROLLBACK;';
    expect(lint(sql).map((v) => v.message)).toMatchInlineSnapshot(`
      [
        "START TRANSACTION in a migration does nothing inside the runner's transaction (PostgreSQL only warns), but the COMMIT that goes with it ends the runner's transaction early, so a failure after it leaves the migration half-applied and its recorded progress wrong (\`sdk db migrate\` refuses the file).",
        "SAVEPOINT in a migration is only useful with ROLLBACK TO, which lets part of the migration fail while the rest is recorded as applied (\`sdk db migrate\` refuses the file).",
        "RELEASE SAVEPOINT in a migration is only useful with ROLLBACK TO, which lets part of the migration fail while the rest is recorded as applied (\`sdk db migrate\` refuses the file).",
        "ROLLBACK TO SAVEPOINT in a migration lets part of the migration fail while the rest is recorded as applied (\`sdk db migrate\` refuses the file).",
        "COMMIT in a migration ends the runner's transaction early, so a failure after it leaves the migration half-applied and its recorded progress wrong (\`sdk db migrate\` refuses the file).",
        "BEGIN in a migration does nothing inside the runner's transaction (PostgreSQL only warns), but the COMMIT that goes with it ends the runner's transaction early, so a failure after it leaves the migration half-applied and its recorded progress wrong (\`sdk db migrate\` refuses the file).",
        "ROLLBACK in a migration ends the runner's transaction early, undoing the statements before it while the ones after it still run and are recorded (\`sdk db migrate\` refuses the file).",
      ]
    `);
  });

  it('accepts a migration without transaction control', () => {
    expect(lint('ALTER TABLE "auth"."users" ADD COLUMN "bio" text;')).toEqual([]);
  });

  it('does not mistake a DO block\'s BEGIN ... END, or SET TRANSACTION, for transaction control', () => {
    expect(lint('DO $$ BEGIN\n  PERFORM 1;\nEND $$;')).toEqual([]);
    expect(lint('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;')).toEqual([]);
  });
});
