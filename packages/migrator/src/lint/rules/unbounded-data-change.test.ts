import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { unboundedDataChange as rule } from './unbounded-data-change.js';

beforeAll(loadParser);

const lint = (sql: string) =>
  lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "plan" text);\nCREATE TABLE "auth"."sessions" ("id" serial PRIMARY KEY);'] });

describe('unbounded-data-change', () => {
  it('reports an UPDATE without WHERE and rebuilds it as an `sdk db backfill` command', () => {
    const sql = 'ALTER TABLE "auth"."users" ADD COLUMN "tier" text;\n--> statement-breakpoint\nUPDATE "auth"."users" SET "tier" = "plan";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:3:1  error  unbounded-data-change
        This UPDATE changes every row of auth.users in one transaction: each row stays locked until the migration commits, so the running app's writes to them wait, and every row leaves a dead copy behind (table bloat).
        3 | UPDATE "auth"."users" SET "tier" = "plan";
          | ^
        lock: ROW EXCLUSIVE lock on auth.users (blocks CREATE INDEX and other share locks; reads and writes continue, but rows it changes stay locked until commit)
        help: Instead, run it between the expand and the contract deploy, out of the migrations: \`sdk db backfill --table auth.users --set "tier = plan"\` (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes; \`backfill()\` from '@big0290/migrator' in code)."
    `);
  });

  it('reports a DELETE without WHERE as data loss, with a backup first and no batch recipe (the backfill engine only updates)', () => {
    const sql = 'DELETE FROM auth.sessions;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  unbounded-data-change
        This DELETE removes every row of auth.sessions, and keeps each one locked until the migration commits, so the running app's writes to them wait.
        1 | DELETE FROM auth.sessions;
          | ^
        lock: ROW EXCLUSIVE lock on auth.sessions (blocks CREATE INDEX and other share locks; reads and writes continue, but rows it changes stay locked until commit)
        help: Instead, back up the rows (\`sdk db backup --verify\` (a backup proven to restore)), then delete them out of the migrations, a few thousand rows per transaction, from a script or job (\`sdk db backfill\` only updates rows)."
    `);
  });

  it('builds the backfill from the statement: its SET list, aliases and RETURNING left out, names unquoted only where that reads the same', () => {
    expect(lint('UPDATE auth.users AS u SET plan = lower(u.plan) RETURNING u.id;')[0]?.help).toContain('`sdk db backfill --table auth.users --set "plan = lower(plan)"`');
    expect(lint('UPDATE "auth"."users" SET "user" = \'x\', "plan" = "plan" || \'-old\';')[0]?.help).toContain(
      `\`sdk db backfill --table auth.users --set "\\"user\\" = 'x', plan = plan || '-old'"\``,
    );
    expect(lint('UPDATE auth.users SET "plan" = \'a"b\';')[0]?.help).toContain('`sdk db backfill --table auth.users --set "plan = \'a\\"b\'"`');
  });

  it('asks for the SET list as a subquery when the UPDATE reads another table (FROM)', () => {
    const help = lint('UPDATE auth.users SET plan = p.name FROM plans p;')[0]?.help;
    expect(help).toContain('`sdk db backfill --table auth.users --set "<column> = <expression>"`');
    expect(help).toContain('write what the FROM list gives as a subquery in --set');
  });

  it('accepts an UPDATE or DELETE with a WHERE clause', () => {
    expect(lint('UPDATE "auth"."users" SET "plan" = \'free\' WHERE "plan" IS NULL;')).toEqual([]);
    expect(lint('DELETE FROM "auth"."sessions" WHERE "id" < 100;')).toEqual([]);
  });

  it('accepts filling a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "plans" ("id" int, "name" text);\n--> statement-breakpoint\nUPDATE "plans" SET "name" = lower("name");')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint("DO $$ BEGIN\n  UPDATE auth.users SET plan = 'free';\nEND $$;")).toMatchObject([{ rule: 'unbounded-data-change', line: 2, column: 3 }]);
  });

  describe('a loop of a DO block', () => {
    const loop = (body: string, declare = '') => `DO $$\n${declare}BEGIN\n  LOOP\n${body}\n  END LOOP;\nEND $$;`;

    it('reports batches that all commit with the migration, at the UPDATE, with the backfill of its inner condition', () => {
      const sql = loop(
        "    UPDATE auth.users SET plan = 'free'\n    WHERE id IN (SELECT id FROM auth.users WHERE plan IS NULL LIMIT 5000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;",
        'DECLARE\n  n integer;\n',
      );
      expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
        "migration.sql:6:5  error  unbounded-data-change
          This UPDATE of auth.users runs in a loop of a DO block, and a DO block runs in the migration's one transaction: the rows of every batch stay locked until the migration commits, so the running app's writes to them wait as if it were one UPDATE.
          6 |     UPDATE auth.users SET plan = 'free'
            |     ^
          lock: ROW EXCLUSIVE lock on auth.users (blocks CREATE INDEX and other share locks; reads and writes continue, but rows it changes stay locked until commit)
          help: Instead, remove the DO block and run \`sdk db backfill --table auth.users --set "plan = 'free'" --where "plan IS NULL"\` between the expand and the contract deploy (batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes)."
      `);
    });

    it('reads the ctid batch too, and a subquery alias', () => {
      const sql = loop("    UPDATE \"auth\".\"users\" SET \"plan\" = 'free' WHERE ctid = ANY (ARRAY(SELECT ctid FROM \"auth\".\"users\" u WHERE u.\"plan\" IS NULL LIMIT 1000));\n    EXIT WHEN NOT FOUND;");
      expect(lint(sql)[0]?.help).toContain(`\`sdk db backfill --table auth.users --set "plan = 'free'" --where "plan IS NULL"\``);
    });

    it('leaves a condition on the loop variables for the user to write', () => {
      const sql = "DO $$ DECLARE lo int := 0; BEGIN WHILE lo < 100000 LOOP UPDATE auth.users SET plan = 'free' WHERE id >= lo AND id < lo + 1000; lo := lo + 1000; END LOOP; END $$;";
      expect(lint(sql)[0]?.help).toContain(`\`sdk db backfill --table auth.users --set "plan = 'free'" --where "<rows that still need it>"\``);
    });

    it('reports a loop that COMMITs: the migration fails, since the runner runs it in a transaction block', () => {
      const sql = loop("    UPDATE auth.users SET plan = 'free' WHERE id IN (SELECT id FROM auth.users WHERE plan IS NULL LIMIT 5000);\n    EXIT WHEN NOT FOUND;\n    COMMIT;");
      const [v] = lint(sql);
      expect(v?.message).toContain('invalid transaction termination');
      expect(v?.help).toContain(`\`sdk db backfill --table auth.users --set "plan = 'free'" --where "plan IS NULL"\``);
    });

    it('reports a DELETE per row of a FOR loop, with a backup and no batch recipe', () => {
      const sql = 'DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM auth.sessions LOOP DELETE FROM auth.sessions WHERE id = r.id; END LOOP; END $$;';
      expect(lint(sql)).toMatchObject([{ rule: 'unbounded-data-change', message: expect.stringContaining('runs in a loop of a DO block') }]);
      expect(lint(sql)[0]?.help).toContain('`sdk db backup --verify`');
    });

    it('accepts a data change with a WHERE outside a loop, a FOREACH over written values, and a table created in the file', () => {
      expect(lint("DO $$ BEGIN UPDATE auth.users SET plan = 'free' WHERE id < 100; END $$;")).toEqual([]);
      expect(lint("DO $$ DECLARE p text; BEGIN FOREACH p IN ARRAY ARRAY['a', 'b'] LOOP UPDATE auth.users SET plan = p WHERE plan = upper(p); END LOOP; END $$;")).toEqual([]);
      expect(lint("CREATE TABLE plans (id int PRIMARY KEY, name text);\n--> statement-breakpoint\nDO $$ BEGIN LOOP UPDATE plans SET name = 'x' WHERE id IN (SELECT id FROM plans WHERE name IS NULL LIMIT 10); EXIT WHEN NOT FOUND; END LOOP; END $$;")).toEqual([]);
    });
  });
});
