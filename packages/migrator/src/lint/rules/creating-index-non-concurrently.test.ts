import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { creatingIndexNonConcurrently as rule } from './creating-index-non-concurrently.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[]) => lintSql(sql, { rules: [rule], history });

describe('creating-index-non-concurrently', () => {
  it('reports CREATE INDEX on an existing table and rebuilds it with CONCURRENTLY', () => {
    const sql = 'CREATE INDEX "users_email_idx" ON "auth"."users" USING btree ("email");';
    const violations = lint(sql);
    expect(violations.map((v) => v.rule)).toEqual(['creating-index-non-concurrently']);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  creating-index-non-concurrently
        Building this index blocks every write to auth.users until the build ends, which takes minutes on a big table.
        1 | CREATE INDEX "users_email_idx" ON "auth"."users" USING btree ("email");
          | ^
        lock: SHARE lock on auth.users (blocks every write (INSERT, UPDATE, DELETE); reads continue)
        help: Build it without blocking writes: \`CREATE INDEX CONCURRENTLY "users_email_idx" ON "auth"."users" USING btree ("email");\` (the runner runs it outside a transaction and rebuilds it if a failed build leaves it INVALID)."
    `);
  });

  it('reports a UNIQUE index too, keeping the user\'s spelling', () => {
    const [v] = lint('create unique index if not exists i on t (lower(email))');
    expect(v?.help).toContain('`create unique index CONCURRENTLY if not exists i on t (lower(email));`');
  });

  it('accepts CREATE INDEX CONCURRENTLY', () => {
    expect(lint('CREATE INDEX CONCURRENTLY "i" ON "t" ("x");')).toEqual([]);
  });

  it('accepts an index on a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "t" ("x" int);\n--> statement-breakpoint\nCREATE INDEX "i" ON "t" ("x");')).toEqual([]);
  });

  it('reports an index on a table created by an earlier migration', () => {
    expect(lint('CREATE INDEX "i" ON "t" ("x");', ['CREATE TABLE "t" ("x" int);'])).toHaveLength(1);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  CREATE INDEX i ON t (x);\nEXCEPTION WHEN duplicate_table THEN null; END $$;');
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ line: 2, column: 3 });
  });

  it('does not mistake words in a comment or a string for a statement', () => {
    expect(lint("-- CREATE INDEX i ON t (x);\nSELECT 'CREATE INDEX i ON t (x)';")).toEqual([]);
  });
});
