import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { enablingRowLevelSecurity as rule } from './enabling-row-level-security.js';

beforeAll(loadParser);

const users = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "tenant_id" integer);';
const lint = (sql: string, history: string[] = [users]) => lintSql(sql, { rules: [rule], history });

describe('enabling-row-level-security', () => {
  it('reports enabling row level security on an existing table with no policy, with the policy-first recipe in the user\'s quoting', () => {
    const sql = 'ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  enabling-row-level-security
        Enabling row level security on auth.users with no policy on it (none in this migration or the earlier ones) breaks the running app: every role that is not its owner and has no BYPASSRLS sees no rows and writes nothing, since no policy means deny.
        1 | ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;
          | ^
        help: Instead, create the policies first, in the same migration (and transaction):
              1. Before the ENABLE, a permissive policy that keeps today's behaviour: \`CREATE POLICY "users_allow_all" ON "auth"."users" FOR ALL USING (true) WITH CHECK (true);\` (add \`TO <role>\` to keep it to the app's role).
              2. Then enable row level security: \`ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;\`.
              3. Tighten in later migrations: create the policies you mean to enforce, deploy the app version they allow, then \`DROP POLICY "users_allow_all" ON "auth"."users";\`."
    `);
  });

  it('reports FORCE, which denies the owner too, and names both when one statement does both', () => {
    const [force] = lint('ALTER TABLE auth.users FORCE ROW LEVEL SECURITY;');
    expect(force?.message).toContain('Forcing row level security on auth.users with no policy');
    expect(force?.message).toContain('its owner, like every other role without BYPASSRLS');
    expect(force?.help).toContain('`CREATE POLICY users_allow_all ON auth.users FOR ALL USING (true) WITH CHECK (true);`');
    const [both] = lint('ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;');
    expect(both?.message).toContain('every role that has no BYPASSRLS, its owner included, sees no rows');
  });

  it('accepts it when a policy on the table was created earlier in the same file', () => {
    const sql = 'CREATE POLICY "users_tenant" ON "auth"."users" USING ("tenant_id" = 1);\n--> statement-breakpoint\nALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;';
    expect(lint(sql)).toEqual([]);
  });

  it('accepts it when an earlier migration created a policy on the table, and not once that policy is dropped', () => {
    const policy = 'CREATE POLICY users_tenant ON auth.users USING (tenant_id = 1);';
    expect(lint('ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;', [users, policy])).toEqual([]);
    expect(lint('ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;', [users, policy, 'DROP POLICY users_tenant ON auth.users;'])).toHaveLength(1);
  });

  it('follows a renamed table and does not count a policy on another table', () => {
    const policy = 'CREATE POLICY users_tenant ON auth.users USING (tenant_id = 1);';
    expect(lint('ALTER TABLE auth.accounts ENABLE ROW LEVEL SECURITY;', [users, policy, 'ALTER TABLE auth.users RENAME TO accounts;'])).toEqual([]);
    expect(lint('CREATE POLICY p ON public.other USING (true);\nALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;')).toHaveLength(1);
  });

  it('accepts a policy created later in the same transaction (drizzle-kit writes the ENABLE first), not one after it commits', () => {
    expect(lint('ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;\n--> statement-breakpoint\nCREATE POLICY p ON auth.users USING (true);')).toEqual([]);
    const committed = 'BEGIN;\nALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;\nCOMMIT;\nCREATE POLICY p ON auth.users USING (true);';
    expect(lintSql(committed, { rules: [rule], history: [users] })).toHaveLength(1);
    // A statement that runs alone (outside the transaction) ends it: the policy after it comes too late.
    const split = 'ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;\nCREATE INDEX CONCURRENTLY users_tenant_idx ON auth.users (tenant_id);\nCREATE POLICY p ON auth.users USING (true);';
    expect(lint(split)).toHaveLength(1);
  });

  it('accepts a table created in the same file, and DISABLE or NO FORCE', () => {
    expect(lint('CREATE TABLE "notes" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nALTER TABLE "notes" ENABLE ROW LEVEL SECURITY;')).toEqual([]);
    expect(lint('ALTER TABLE auth.users DISABLE ROW LEVEL SECURITY;')).toEqual([]);
    expect(lint('ALTER TABLE auth.users NO FORCE ROW LEVEL SECURITY;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    const violations = lint('DO $$ BEGIN\n  ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;\nEND $$;');
    expect(violations).toMatchObject([{ rule: 'enabling-row-level-security', line: 2, column: 3 }]);
  });

  it('in a contract migration, is a warning that says no running app may use the table through another role', () => {
    const sql = '-- sdk:phase contract\nALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  enabling-row-level-security
        Enabling row level security on auth.users with no policy is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once no application version running now reads or writes auth.users as a role other than its owner without BYPASSRLS (from this statement on such a role sees no rows of it and writes none).
        2 | ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;
          | ^
        help: Before it runs, check which role each app instance connects as. If the app still needs rows of auth.users, create its policies before this statement instead, starting with \`CREATE POLICY "users_allow_all" ON "auth"."users" FOR ALL USING (true) WITH CHECK (true);\` to keep today's behaviour."
    `);
  });
});
