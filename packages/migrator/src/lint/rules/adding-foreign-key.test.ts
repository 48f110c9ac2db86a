import { beforeAll, describe, expect, it } from 'vitest';
import { addForeignKey } from '../../operations/add-foreign-key.js';
import { lintSql, loadParser, planSteps, printedPlanSteps, rendered } from '../__fixtures__/harness.js';
import { addingForeignKey as rule } from './adding-foreign-key.js';

beforeAll(loadParser);

const tables = 'CREATE TABLE "users" ("id" serial PRIMARY KEY);\nCREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer);';
const lint = (sql: string, history: string[] = [tables]) => lintSql(sql, { rules: [rule], history });

const drizzleForeignKey =
  'DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;';

describe('adding-foreign-key', () => {
  it("reports drizzle-kit's foreign key in a DO block on existing tables", () => {
    const violations = lint(drizzleForeignKey);
    expect(rendered(drizzleForeignKey, violations)).toMatchInlineSnapshot(`
      "migration.sql:2:2  error  adding-foreign-key
        Adding foreign key posts_user_id_users_id_fk checks every row of posts against public.users, and every write to both tables waits until it is done: minutes on a big table.
        2 |  ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
          |  ^
        lock: SHARE ROW EXCLUSIVE lock on posts and public.users (blocks every write (INSERT, UPDATE, DELETE); reads continue), held while every row is checked
        help: Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add foreign key NOT VALID: \`ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users" ("id") ON DELETE CASCADE NOT VALID;\`
                 locks: SHARE ROW EXCLUSIVE on both tables for an instant (no scan: NOT VALID), waiting at most lock_timeout for it; from then on every write is checked
              Before the contract: nothing has to be deployed in between; the validation fails, and can be run again, while an existing row breaks the key.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              2. validate foreign key (starts a new migration): \`ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_user_id_users_id_fk";\`
                 locks: SHARE UPDATE EXCLUSIVE on the table and ROW SHARE on the referenced one while it reads every row: reads and writes continue
              \`sdk db new add-foreign-key posts --columns user_id --references users --referenced-columns id --on-delete cascade --constraint-name posts_user_id_users_id_fk\` writes these steps as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place.
              These steps replace the DO block the statement is in."
    `);
  });

  it('reports ALTER TABLE ... ADD FOREIGN KEY without a name, naming it as PostgreSQL would', () => {
    const sql = 'ALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-foreign-key
        Adding a foreign key checks every row of posts against users, and every write to both tables waits until it is done: minutes on a big table.
        1 | ALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users;
          | ^
        lock: SHARE ROW EXCLUSIVE lock on posts and users (blocks every write (INSERT, UPDATE, DELETE); reads continue), held while every row is checked
        help: Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              1. add foreign key NOT VALID: \`ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users" NOT VALID;\`
                 locks: SHARE ROW EXCLUSIVE on both tables for an instant (no scan: NOT VALID), waiting at most lock_timeout for it; from then on every write is checked
              Before the contract: nothing has to be deployed in between; the validation fails, and can be run again, while an existing row breaks the key.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              2. validate foreign key (starts a new migration): \`ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_user_id_fkey";\`
                 locks: SHARE UPDATE EXCLUSIVE on the table and ROW SHARE on the referenced one while it reads every row: reads and writes continue
              \`sdk db new add-foreign-key posts --columns user_id --references users\` writes these steps as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
    `);
  });

  it('on a partitioned table before PostgreSQL 18, goes partition by partition (the parent refuses NOT VALID)', () => {
    const partitioned = [
      'CREATE TABLE "users" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE "events" ("id" bigint, "user_id" integer, "at" date) PARTITION BY RANGE ("at");\n--> statement-breakpoint\nCREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM (\'2026-01-01\') TO (\'2027-01-01\');',
    ];
    const sql = 'ALTER TABLE "events" ADD CONSTRAINT "events_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");';
    const v17 = lintSql(sql, { rules: [rule], history: partitioned, pgVersion: 17 });
    expect(v17[0]?.help).toMatchInlineSnapshot(`
      "Instead (before PostgreSQL 18 a partitioned table refuses NOT VALID foreign keys), add it partition by partition, then to the parent:
      1. \`ALTER TABLE events_2026 ADD CONSTRAINT "events_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID;\` (instant on each)
      2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE events_2026 VALIDATE CONSTRAINT events_user_id_fk;\` (reads and writes continue)
      3. Then this statement: the parent adopts the validated keys of its partitions without checking the rows again."
    `);
    const v18 = lintSql(sql, { rules: [rule], history: partitioned, pgVersion: 18 });
    expect(v18[0]?.help).toContain('NOT VALID;`');
    expect(v18[0]?.help).not.toContain('partition by partition');
  });

  it('prints the add-foreign-key plan, step for step, with the key as the statement writes it', () => {
    const [v] = lint('ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE set null;');
    const plan = addForeignKey.plan({
      tableSql: '"public"."posts"',
      display: 'public.posts',
      name: 'posts_user_id_fk',
      definition: 'FOREIGN KEY ("user_id") REFERENCES "public"."users" ("id") ON DELETE SET NULL',
    });
    expect(printedPlanSteps(v!.help)).toEqual(planSteps(plan));
    expect(v?.help).toContain('`sdk db new add-foreign-key posts --columns user_id --references users --referenced-columns id --on-delete "set null" --constraint-name posts_user_id_fk`');
  });

  it('keeps the statement with NOT VALID for what add-foreign-key does not write (MATCH FULL, DEFERRABLE)', () => {
    const [v] = lint('ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) MATCH FULL DEFERRABLE;');
    expect(v?.help).toContain('1. `ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) MATCH FULL DEFERRABLE NOT VALID;`');
    expect(v?.help).not.toContain('sdk db new');
  });

  it('accepts NOT VALID', () => {
    expect(lint('ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID;')).toEqual([]);
  });

  it('accepts foreign keys in CREATE TABLE', () => {
    expect(lint('CREATE TABLE "comments" ("id" serial, "user_id" integer REFERENCES "users"("id"));')).toEqual([]);
  });

  it('accepts a foreign key added to a table created earlier in the same file (drizzle-kit style)', () => {
    const sql = `CREATE TABLE "comments" ("id" serial, "post_id" integer);\n--> statement-breakpoint\n${drizzleForeignKey.replace('"posts"', '"comments"')}`;
    expect(lint(sql)).toEqual([]);
  });

  it('accepts ADD COLUMN ... REFERENCES without a default: every row is NULL, nothing to check', () => {
    expect(lint('ALTER TABLE "posts" ADD COLUMN "editor_id" integer REFERENCES "users"("id");')).toEqual([]);
  });

  it('reports ADD COLUMN ... REFERENCES with a default, which fills and checks every row', () => {
    const sql = 'ALTER TABLE "posts" ADD COLUMN "editor_id" integer DEFAULT 1 REFERENCES "users"("id") ON DELETE SET NULL;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  adding-foreign-key
        Adding a foreign key checks every row of posts against users, and every write to both tables waits until it is done: minutes on a big table.
        1 | ALTER TABLE "posts" ADD COLUMN "editor_id" integer DEFAULT 1 REFERENCES "users"("id") ON DELETE SET NULL;
          | ^
        lock: SHARE ROW EXCLUSIVE lock on posts and users (blocks every write (INSERT, UPDATE, DELETE); reads continue), held while every row is checked
        help: The default fills every existing row, so each one is checked. Instead, add the column and its foreign key separately: the key NOT VALID (new writes are checked at once, existing rows are not), validated later:
              1. This ADD COLUMN without its REFERENCES clause.
              expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
              2. add foreign key NOT VALID: \`ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_editor_id_fkey" FOREIGN KEY ("editor_id") REFERENCES "public"."users" ("id") ON DELETE SET NULL NOT VALID;\`
                 locks: SHARE ROW EXCLUSIVE on both tables for an instant (no scan: NOT VALID), waiting at most lock_timeout for it; from then on every write is checked
              Before the contract: nothing has to be deployed in between; the validation fails, and can be run again, while an existing row breaks the key.
              contract, after the deploy (\`pnpm sdk db migrate\` applies it):
              3. validate foreign key (starts a new migration): \`ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_editor_id_fkey";\`
                 locks: SHARE UPDATE EXCLUSIVE on the table and ROW SHARE on the referenced one while it reads every row: reads and writes continue
              Once step 1 is applied, \`sdk db new add-foreign-key posts --columns editor_id --references users --referenced-columns id --on-delete "set null"\` writes steps 2 to 3 as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
    `);
  });

  it('reports a foreign key to a new table from an existing one: the existing rows are still checked', () => {
    const sql = 'CREATE TABLE "teams" ("id" serial PRIMARY KEY);\nALTER TABLE "users" ADD CONSTRAINT "users_team_fk" FOREIGN KEY ("id") REFERENCES "teams"("id");';
    expect(lint(sql)).toHaveLength(1);
  });

  it('names one table when the key references its own table', () => {
    const [v] = lint('ALTER TABLE "users" ADD CONSTRAINT "users_parent_fk" FOREIGN KEY ("id") REFERENCES "users"("id");');
    expect(v?.lock).toBe('SHARE ROW EXCLUSIVE lock on users (blocks every write (INSERT, UPDATE, DELETE); reads continue), held while every row is checked');
  });
});
