import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from './__fixtures__/harness.js';
import { RULES } from './registry.js';
import type { Violation } from './types.js';

beforeAll(loadParser);

const USERS = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "phone" text, "status" text);';
const lint = (sql: string, history: string[] = [USERS]) => lintSql(sql, { rules: RULES, history });
const verdicts = (violations: readonly Violation[]) => violations.map((v) => `${v.rule} ${v.severity}`);

const DROP_PHONE = 'ALTER TABLE "auth"."users" DROP COLUMN "phone";';
const CONTRACT = '-- sdk:phase contract\n';

describe('a migration declared contract with `-- sdk:phase contract`', () => {
  it('reports a DROP COLUMN as a warning under the same rule id, saying what must be true first', () => {
    const sql = `${CONTRACT}${DROP_PHONE}`;
    const violations = lint(sql);
    expect(verdicts(violations)).toEqual(['dropping-column warning']);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:2:1  warning  dropping-column
        Dropping column phone of auth.users is a contract step (set by the \`-- sdk:phase contract\` comment on line 1): run it only once the application version running now no longer reads or writes auth.users.phone (every instance runs an app version deployed after the expand step that stopped using it).
        2 | ALTER TABLE "auth"."users" DROP COLUMN "phone";
          | ^
        help: Before it runs, check that no instance still runs an app version whose Drizzle schema has phone, and back up the data: \`sdk db backup --verify\` (a backup proven to restore). Until then, \`pnpm sdk db migrate --phase expand\` applies the migrations before this one and holds it back."
    `);
  });

  it('reports the same DROP COLUMN without the comment as an error', () => {
    expect(verdicts(lint(DROP_PHONE))).toEqual(['dropping-column error']);
  });

  it('still reports a plain CREATE INDEX on an existing table as an error: its lock is the same in every phase', () => {
    expect(verdicts(lint(`${CONTRACT}CREATE INDEX "users_phone_idx" ON "auth"."users" ("phone");`))).toEqual(['creating-index-non-concurrently error']);
  });

  it('makes every rule about the running app a warning, and leaves every other rule an error', () => {
    const sql = [
      CONTRACT,
      'ALTER TABLE "auth"."users" RENAME COLUMN "status" TO "state";',
      'ALTER TABLE "auth"."users" ALTER COLUMN "state" SET NOT NULL;',
      'ALTER TABLE "auth"."sessions" RENAME TO "logins";',
      'ALTER TABLE "auth"."tokens" SET SCHEMA "archive";',
      'DROP TABLE "auth"."devices" CASCADE;',
      'DROP SCHEMA "legacy";',
      'TRUNCATE "auth"."audit";',
    ].join('\n');
    expect(verdicts(lint(sql))).toEqual([
      'renaming-column warning',
      'setting-not-null error',
      'renaming-table warning',
      'setting-schema warning',
      'drop-cascade error',
      'dropping-table warning',
      'dropping-schema warning',
      'truncating-table error',
    ]);
  });

  it('applies to the statements inside a DO block too', () => {
    expect(verdicts(lint(`${CONTRACT}DO $$ BEGIN\n  ALTER TABLE auth.users DROP COLUMN phone;\nEND $$;`))).toEqual(['dropping-column warning']);
  });

  it('lets an ignore comment suppress the warning as it did the error', () => {
    expect(lint(`${CONTRACT}-- sdk-lint-ignore dropping-column: v2.3 stopped reading phone\n${DROP_PHONE}`)).toEqual([]);
  });

  it('keeps the errors in a file that says `-- sdk:phase expand`', () => {
    expect(verdicts(lint(`-- sdk:phase expand\n${DROP_PHONE}`))).toEqual(['dropping-column error']);
  });

  it('is not set by the same words inside a string', () => {
    expect(verdicts(lint(`COMMENT ON TABLE "auth"."users" IS '-- sdk:phase contract';\n${DROP_PHONE}`))).toEqual(['dropping-column error']);
  });
});

describe('a phase comment the runner refuses', () => {
  it('is an error at its line, and the findings of the file keep their severity', () => {
    const sql = `-- sdk:phase contarct\n${DROP_PHONE}`;
    const violations = lint(sql);
    expect(verdicts(violations)).toEqual(['invalid-phase-comment error', 'dropping-column error']);
    expect(rendered(sql, violations.slice(0, 1))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  invalid-phase-comment
        \`-- sdk:phase contarct\` names no phase: \`sdk db migrate\` refuses this migration until the comment is fixed.
        1 | -- sdk:phase contarct
          | ^
        help: Fix it: write \`-- sdk:phase expand\` or \`-- sdk:phase contract\`, or remove the comment to let the statements decide."
    `);
  });

  it('is an error when two comments disagree', () => {
    expect(lint(`-- sdk:phase contract\n${DROP_PHONE}\n-- sdk:phase expand`)).toMatchObject([
      { rule: 'invalid-phase-comment', line: 1, message: 'The -- sdk:phase comments disagree (contract and expand): `sdk db migrate` refuses this migration until the comment is fixed.' },
      { rule: 'dropping-column', severity: 'error' },
    ]);
  });
});

describe('a migration classified contract after the expand that prepared it', () => {
  const ADD_E164 = 'ALTER TABLE "auth"."users" ADD COLUMN "phone_e164" text;';
  const BACKFILL = 'UPDATE "auth"."users" SET "phone_e164" = normalize_phone("phone") WHERE "phone_e164" IS NULL;';

  it('reports dropping a column an earlier migration backfilled into its replacement as a warning naming that migration', () => {
    const violations = lint(DROP_PHONE, [USERS, ADD_E164, BACKFILL]);
    expect(verdicts(violations)).toEqual(['dropping-column warning']);
    expect(violations[0]!.message).toMatchInlineSnapshot(`"Dropping column phone of auth.users is a contract step (its expand step: history-2.sql copied auth.users.phone into phone_e164): run it only once the application version running now no longer reads or writes auth.users.phone (every instance runs an app version deployed after the expand step that stopped using it)."`);
  });

  it('recognises the backfill inside a DO block and with the table aliased', () => {
    const batched = 'DO $$ BEGIN\n  UPDATE auth.users u SET phone_e164 = u.phone WHERE u.id < 1000;\nEND $$;';
    expect(verdicts(lint(DROP_PHONE, [USERS, ADD_E164, batched]))).toEqual(['dropping-column warning']);
  });

  it('keeps the error when the backfill runs in the same migration: the app was not deployed in between', () => {
    expect(verdicts(lint(`${BACKFILL}\n${DROP_PHONE}`, [USERS, ADD_E164]))).toEqual(['dropping-column error']);
  });

  it('keeps the error when the UPDATE may have read another table, or wrote the column itself', () => {
    const from = 'UPDATE "auth"."users" SET "phone_e164" = p."phone" FROM "auth"."profiles" p WHERE p."user_id" = "users"."id";';
    const subquery = 'UPDATE "auth"."users" SET "phone_e164" = (SELECT "phone" FROM "auth"."profiles" LIMIT 1);';
    const itself = 'UPDATE "auth"."users" SET "phone" = trim("phone");';
    for (const update of [from, subquery, itself]) expect(verdicts(lint(DROP_PHONE, [USERS, ADD_E164, update])), update).toEqual(['dropping-column error']);
  });

  it('keeps the error when the column filled in was not added by a migration: a data fix between original columns replaces nothing', () => {
    const fix = 'UPDATE "auth"."users" SET "status" = "phone" WHERE "status" IS NULL;';
    expect(verdicts(lint(DROP_PHONE, [USERS, fix]))).toEqual(['dropping-column error']);
  });

  it('keeps the error once the replacement column is gone, and follows it through a rename', () => {
    const dropped = 'ALTER TABLE "auth"."users" DROP COLUMN "phone_e164";';
    expect(verdicts(lint(DROP_PHONE, [USERS, ADD_E164, BACKFILL, dropped]))).toEqual(['dropping-column error']);
    const renamed = 'ALTER TABLE "auth"."users" RENAME COLUMN "phone_e164" TO "mobile";';
    expect(lint(DROP_PHONE, [USERS, ADD_E164, BACKFILL, renamed])[0]!.message).toContain('copied auth.users.phone into mobile');
  });

  it('reports dropping the view that kept a renamed table\'s old name working as a warning', () => {
    const rename = 'ALTER TABLE "auth"."users" RENAME TO "accounts";\nCREATE VIEW "auth"."users" AS SELECT * FROM "auth"."accounts";';
    const violations = lint('DROP VIEW "auth"."users";', [USERS, rename]);
    expect(verdicts(violations)).toEqual(['dropping-table warning']);
    expect(violations[0]!.message).toMatchInlineSnapshot(`"Dropping view auth.users is a contract step (its expand step: history-1.sql created view auth.users to keep the old name working after auth.users became auth.accounts): run it only once the application version running now no longer queries auth.users (every instance runs an app version deployed after the expand step that stopped using it)."`);
  });

  it('keeps the error for a view with that name that does not read the renamed table, or was created in the same migration', () => {
    const unrelated = 'ALTER TABLE "auth"."users" RENAME TO "accounts";\nCREATE VIEW "auth"."users" AS SELECT 1 AS "id";';
    expect(verdicts(lint('DROP VIEW "auth"."users";', [USERS, unrelated]))).toEqual(['dropping-table error']);
    const rename = 'ALTER TABLE "auth"."users" RENAME TO "accounts";';
    const sameFile = 'CREATE VIEW "auth"."users" AS SELECT * FROM "auth"."accounts";\nDROP VIEW "auth"."users";';
    // Created in this file, the view is new: dropping-table has nothing to say about it at all.
    expect(verdicts(lint(sameFile, [USERS, rename]))).toEqual([]);
  });

  it('never infers a rename or a drop without a preparation: only the comment makes those contract steps', () => {
    expect(verdicts(lint('ALTER TABLE "auth"."users" RENAME COLUMN "phone" TO "phone_e164";', [USERS, ADD_E164, BACKFILL]))).toEqual(['renaming-column error']);
    expect(verdicts(lint('DROP TABLE "auth"."users";', [USERS]))).toEqual(['dropping-table error']);
  });

  it('is not inferred in a file that says `-- sdk:phase expand`', () => {
    expect(verdicts(lint(`-- sdk:phase expand\n${DROP_PHONE}`, [USERS, ADD_E164, BACKFILL]))).toEqual(['dropping-column error']);
  });
});
