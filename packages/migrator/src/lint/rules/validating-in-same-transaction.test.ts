import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { validatingInSameTransaction as rule } from './validating-in-same-transaction.js';

beforeAll(loadParser);

const tables = 'CREATE TABLE "users" ("id" serial PRIMARY KEY);\nCREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer, "title" text);';
const lint = (sql: string, history: string[] = [tables]) => lintSql(sql, { rules: [rule], history });

describe('validating-in-same-transaction', () => {
  it('reports VALIDATE of a CHECK added NOT VALID earlier in the same migration', () => {
    const sql = [
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_title_present" CHECK ("title" <> \'\') NOT VALID;',
      '--> statement-breakpoint',
      'ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_title_present";',
    ].join('\n');
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:3:1  error  validating-in-same-transaction
        Validating CHECK constraint posts_title_present in the transaction that added it reads every row of posts while the lock taken by its ADD CONSTRAINT is still held, so reads and writes wait as if NOT VALID had not been used.
        3 | ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_title_present";
          | ^
        lock: ACCESS EXCLUSIVE lock on posts (blocks every read and write), taken by the ADD CONSTRAINT (line 1) and held until the migration commits
        help: Move \`ALTER TABLE posts VALIDATE CONSTRAINT posts_title_present;\` into the next migration (\`pnpm db:generate --custom\`): there it takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue while it checks the rows."
    `);
  });

  it('names both tables of a foreign key', () => {
    const sql = 'ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE posts VALIDATE CONSTRAINT posts_user_fk;';
    const [v] = lint(sql);
    expect(v?.lock).toBe('SHARE ROW EXCLUSIVE lock on posts and users (blocks every write (INSERT, UPDATE, DELETE); reads continue), taken by the ADD CONSTRAINT (line 1) and held until the migration commits');
  });

  it('reports a foreign key added in a drizzle-kit DO block and validated after it', () => {
    const sql = 'DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") NOT VALID;\nEXCEPTION WHEN duplicate_object THEN null; END $$;\n--> statement-breakpoint\nALTER TABLE "posts" VALIDATE CONSTRAINT "fk";';
    expect(lint(sql)).toMatchObject([{ rule: 'validating-in-same-transaction', line: 5 }]);
  });

  it('accepts VALIDATE of a constraint added by an earlier migration', () => {
    const history = [tables, 'ALTER TABLE posts ADD CONSTRAINT posts_title_present CHECK (title <> \'\') NOT VALID;'];
    expect(lint('ALTER TABLE posts VALIDATE CONSTRAINT posts_title_present;', history)).toEqual([]);
  });

  it('accepts VALIDATE after a statement that runs outside the transaction, which commits the ADD first', () => {
    const sql = [
      "ALTER TABLE posts ADD CONSTRAINT posts_title_present CHECK (title <> '') NOT VALID;",
      'CREATE INDEX CONCURRENTLY posts_title_idx ON posts (title);',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_title_present;',
    ].join('\n');
    expect(lint(sql)).toEqual([]);
  });

  it('accepts VALIDATE of a constraint added validated (a no-op) or unknown', () => {
    expect(lint("ALTER TABLE posts ADD CONSTRAINT c CHECK (title <> '');\nALTER TABLE posts VALIDATE CONSTRAINT c;")).toEqual([]);
    expect(lint('ALTER TABLE posts VALIDATE CONSTRAINT from_the_live_database;')).toEqual([]);
  });

  it('accepts a table created earlier in the same file', () => {
    const sql = "CREATE TABLE t (x int);\nALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;";
    expect(lint(sql)).toEqual([]);
  });
});
