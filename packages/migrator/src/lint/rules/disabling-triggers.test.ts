import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { disablingTriggers as rule } from './disabling-triggers.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule], history: ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "org_id" int);'] });

describe('disabling-triggers', () => {
  it('reports DISABLE TRIGGER ALL as an error: foreign keys stop being enforced', () => {
    const sql = 'ALTER TABLE "auth"."users" DISABLE TRIGGER ALL;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  disabling-triggers
        Disabling all triggers on auth.users also turns off its foreign-key checks, for every session once the migration commits: rows the running app writes are no longer checked, yet the foreign keys still look valid.
        1 | ALTER TABLE "auth"."users" DISABLE TRIGGER ALL;
          | ^
        help: Disable only the triggers you mean to, which leaves the foreign keys enforced (and needs no superuser rights): \`ALTER TABLE "auth"."users" DISABLE TRIGGER USER;\` or by name, and re-enable them in the same migration after the writes that need it: \`ALTER TABLE "auth"."users" ENABLE TRIGGER USER;\`."
    `);
  });

  it('reports a named trigger as a warning, with the statement that enables it again', () => {
    const sql = 'ALTER TABLE "auth"."users" DISABLE TRIGGER "users_audit";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  warning  disabling-triggers
        Disabling trigger users_audit on auth.users turns it off for every session once the migration commits: the running app's writes skip it (audit rows, derived values, checks) until enabled again.
        1 | ALTER TABLE "auth"."users" DISABLE TRIGGER "users_audit";
          | ^
        help: If the migration itself must write without it, re-enable it in the same migration right after those writes: \`ALTER TABLE "auth"."users" ENABLE TRIGGER "users_audit";\` (the SHARE ROW EXCLUSIVE lock of DISABLE TRIGGER keeps the running app's writes waiting until the migration commits)."
    `);
  });

  it('reports DISABLE TRIGGER USER as a warning', () => {
    expect(lint('ALTER TABLE auth.users DISABLE TRIGGER USER;')).toMatchObject([{ severity: 'warning', message: expect.stringContaining('the user triggers on auth.users') }]);
  });

  it('accepts a named or USER trigger enabled again in the same migration', () => {
    const sql = 'ALTER TABLE "auth"."users" DISABLE TRIGGER "users_audit";\n--> statement-breakpoint\nUPDATE "auth"."users" SET "org_id" = 1 WHERE "org_id" IS NULL;\n--> statement-breakpoint\nALTER TABLE "auth"."users" ENABLE TRIGGER "users_audit";';
    expect(lint(sql)).toEqual([]);
    expect(lint('ALTER TABLE auth.users DISABLE TRIGGER USER;\nALTER TABLE auth.users ENABLE TRIGGER ALL;')).toEqual([]);
  });

  it('still reports ALL when enabled again: the migration\'s own writes skipped the foreign-key checks', () => {
    const [v] = lint('ALTER TABLE auth.users DISABLE TRIGGER ALL;\nALTER TABLE auth.users ENABLE TRIGGER ALL;');
    expect(v).toMatchObject({ severity: 'error', message: expect.stringContaining('rows this migration writes before ENABLE TRIGGER ALL are never checked') });
  });

  it('does not count an ENABLE in a later transaction (after a statement that runs alone)', () => {
    const sql = 'ALTER TABLE auth.users DISABLE TRIGGER users_audit;\nCREATE INDEX CONCURRENTLY i ON auth.users (org_id);\nALTER TABLE auth.users ENABLE TRIGGER users_audit;';
    expect(lint(sql)).toHaveLength(1);
  });

  it('accepts disabling and enabling again on a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE "t" ("a" int);\nALTER TABLE "t" DISABLE TRIGGER ALL;\nALTER TABLE "t" ENABLE TRIGGER ALL;')).toEqual([]);
  });

  it('does not report ENABLE TRIGGER', () => {
    expect(lint('ALTER TABLE "auth"."users" ENABLE TRIGGER ALL;')).toEqual([]);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  ALTER TABLE auth.users DISABLE TRIGGER ALL;\nEND $$;')).toMatchObject([{ rule: 'disabling-triggers', line: 2, column: 3 }]);
  });
});
