import { beforeAll, describe, expect, it } from 'vitest';
import { addIndex, namedIndex } from '../../operations/add-index.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
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
        help: Build it without blocking writes:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. create index concurrently (outside a transaction): \`CREATE INDEX CONCURRENTLY "users_email_idx" ON "auth"."users" USING btree ("email");\`
                 locks: SHARE UPDATE EXCLUSIVE while the index is built in the background: reads and writes continue
              \`sdk db new add-index auth.users --columns '"email"' --using btree --index-name users_email_idx\` writes this step as a migration file; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes it in its place.
              The runner rebuilds it if a failed build leaves it INVALID."
    `);
  });

  it('reports a UNIQUE index too, keeping its columns and predicate as written', () => {
    const [v] = lint('create unique index if not exists i on t (lower(email)) where deleted_at is null');
    expect(v?.help).toContain('1. create index concurrently (outside a transaction): `CREATE UNIQUE INDEX CONCURRENTLY "i" ON "public"."t" (lower(email)) WHERE deleted_at is null;`');
    expect(v?.help).toContain('`sdk db new add-index t --columns "lower(email)" --unique --where "deleted_at is null" --index-name i`');
  });

  it('names an unnamed index as PostgreSQL would, so the runner can find a failed build', () => {
    const [v] = lint('CREATE INDEX ON t (x);');
    expect(v?.help).toContain('`CREATE INDEX CONCURRENTLY "t_x_idx" ON "public"."t" (x);`');
    expect(v?.help).toContain('`sdk db new add-index t --columns x`');
  });

  it('prints the add-index plan, step for step', () => {
    const [v] = lint('CREATE INDEX "users_email_idx" ON "auth"."users" USING btree ("email");', ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" text);']);
    const plan = addIndex.plan(namedIndex({ sql: '"auth"."users"', display: 'auth.users', schema: 'auth' }, { table: 'auth.users', columns: '"email"', using: 'btree' }, 'users_email_idx'));
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
  });

  it('keeps the statement with CONCURRENTLY for what add-index does not write (INCLUDE, WITH, TABLESPACE)', () => {
    const [v] = lint('CREATE INDEX i ON t (x) INCLUDE (y);');
    expect(v?.help).toBe('Build it without blocking writes: `CREATE INDEX CONCURRENTLY i ON t (x) INCLUDE (y);` (the runner runs it outside a transaction and rebuilds it if a failed build leaves it INVALID).');
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

  it('on a partitioned table, builds each partition\'s index concurrently and attaches it', () => {
    const history = [
      'CREATE TABLE "events" ("id" bigint, "at" date, "kind" text) PARTITION BY RANGE ("at");\n--> statement-breakpoint\nCREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM (\'2026-01-01\') TO (\'2027-01-01\');',
      'CREATE TABLE "events_2027" ("id" bigint, "at" date, "kind" text);\n--> statement-breakpoint\nALTER TABLE "events" ATTACH PARTITION "events_2027" FOR VALUES FROM (\'2027-01-01\') TO (\'2028-01-01\');',
    ];
    const sql = 'CREATE INDEX "events_kind_idx" ON "events" USING btree ("kind");';
    const violations = lint(sql, history);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  creating-index-non-concurrently
        Building this index on partitioned table events blocks every write to each partition until its part of the build ends.
        1 | CREATE INDEX "events_kind_idx" ON "events" USING btree ("kind");
          | ^
        lock: SHARE lock on events and each of its partitions (blocks every write (INSERT, UPDATE, DELETE); reads continue)
        help: Instead (CREATE INDEX CONCURRENTLY cannot run on a partitioned table):
              1. \`CREATE INDEX "events_kind_idx" ON ONLY "events" USING btree ("kind");\` (instant: the parent's index starts INVALID)
              2. For each partition: \`CREATE INDEX CONCURRENTLY events_kind_idx_events_2026 ON events_2026 USING btree ("kind");\`, \`CREATE INDEX CONCURRENTLY events_kind_idx_events_2027 ON events_2027 USING btree ("kind");\`
              3. Attach each one: \`ALTER INDEX events_kind_idx ATTACH PARTITION events_kind_idx_events_2026;\`, \`ALTER INDEX events_kind_idx ATTACH PARTITION events_kind_idx_events_2027;\` (the parent's index is valid once every partition has one)"
    `);
  });

  it('accepts the first step of its own recipe: ON ONLY a partitioned table builds nothing (corpus: safe/pg-partitions-create-index-on-only-parent)', () => {
    const history = ['CREATE TABLE "events" ("id" bigint, "at" date) PARTITION BY RANGE ("at");\n--> statement-breakpoint\nCREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM (\'2026-01-01\') TO (\'2027-01-01\');'];
    expect(lint('CREATE INDEX "events_at_idx" ON ONLY "events" USING btree ("at");', history)).toEqual([]);
    // Without ONLY the index is built on every partition.
    expect(lint('CREATE INDEX "events_at_idx" ON "events" USING btree ("at");', history)).toHaveLength(1);
  });

  it('reports CREATE INDEX CONCURRENTLY on a partitioned table, which PostgreSQL refuses, with the same recipe (corpus: unsafe/pg-partitions-create-index-concurrently-on-parent)', () => {
    const history = ['CREATE TABLE "events" ("id" bigint, "at" date) PARTITION BY RANGE ("at");\n--> statement-breakpoint\nCREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM (\'2026-01-01\') TO (\'2027-01-01\');'];
    const sql = 'CREATE INDEX CONCURRENTLY "events_at_idx" ON "events" USING btree ("at");';
    expect(rendered(sql, lint(sql, history))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  creating-index-non-concurrently
        CREATE INDEX CONCURRENTLY on partitioned table events fails: PostgreSQL cannot build an index on a partitioned table concurrently, so the migration stops here.
        1 | CREATE INDEX CONCURRENTLY "events_at_idx" ON "events" USING btree ("at");
          | ^
        help: Instead (CREATE INDEX CONCURRENTLY cannot run on a partitioned table):
              1. \`CREATE INDEX "events_at_idx" ON ONLY "events" USING btree ("at");\` (instant: the parent's index starts INVALID)
              2. For each partition: \`CREATE INDEX CONCURRENTLY events_at_idx_events_2026 ON events_2026 USING btree ("at");\`
              3. Attach each one: \`ALTER INDEX events_at_idx ATTACH PARTITION events_at_idx_events_2026;\` (the parent's index is valid once every partition has one)"
    `);
    // ONLY does not help: the check comes first.
    expect(lint('CREATE INDEX CONCURRENTLY "events_at_idx" ON ONLY "events" ("at");', history)).toHaveLength(1);
    // On the partition itself it is the recipe's second step.
    expect(lint('CREATE INDEX CONCURRENTLY "events_2026_at_idx" ON "events_2026" ("at");', history)).toEqual([]);
  });

  it('still reports ON ONLY a plain table: ONLY changes nothing there and the index is built', () => {
    const violations = lint('CREATE INDEX "i" ON ONLY "t" ("x");', ['CREATE TABLE "t" ("x" int);']);
    expect(violations).toHaveLength(1);
    // add-index writes no ONLY, so the help keeps the statement as written, with CONCURRENTLY.
    expect(violations[0]!.help).toContain('`CREATE INDEX CONCURRENTLY "i" ON ONLY "t" ("x");`');
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
