import { beforeAll, describe, expect, it } from 'vitest';
import { addCheck, namedCheck } from '../../operations/add-check.js';
import { addRequiredColumn, requiredColumn } from '../../operations/add-required-column.js';
import { knownTable } from '../../operations/catalog.js';
import { loadParser, planSteps, printedPlanSteps } from '../__fixtures__/harness.js';
import { newCommand, planHelp } from './operation-helpers.js';

beforeAll(loadParser);

describe('planHelp', () => {
  const plan = addCheck.plan(namedCheck(knownTable('public', 'orders'), 'orders_total_check', 'total > 0'));

  it("numbers the plan's steps under their phase, with what each runs and locks, what to deploy before the contract, and the command", () => {
    expect(planHelp({ intro: 'Instead, add it NOT VALID and validate it separately', plan, command: newCommand('add-check', knownTable('public', 'orders'), [], { check: 'total > 0' }) }))
      .toMatchInlineSnapshot(`
        "Instead, add it NOT VALID and validate it separately:
        expand, before the deploy (\`pnpm sdk db migrate --phase expand\` applies it):
        1. add check NOT VALID: \`ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK (total > 0) NOT VALID;\`
           locks: ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it; from then on every write is checked
        Before the contract: deploy the version of the application whose writes satisfy the check before the contract validates it.
        contract, after the deploy (\`pnpm sdk db migrate\` applies it):
        2. validate check (starts a new migration): \`ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_check";\`
           locks: SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue
        \`sdk db new add-check orders --check "total > 0"\` writes these steps as migration files; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes them in its place."
      `);
  });

  it("numbers the user's own steps first, and says the command needs them applied", () => {
    const help = planHelp({ intro: 'Instead', plan, command: 'sdk db new add-check orders --check "total > 0"', before: ['`ALTER TABLE orders ADD COLUMN total int;`'], notes: ['A note.'] });
    expect(help).toContain('1. `ALTER TABLE orders ADD COLUMN total int;`\nexpand');
    expect(help).toContain('Once step 1 is applied, `sdk db new add-check orders --check "total > 0"` writes steps 2 to 3 as migration files;');
    expect(help.endsWith('\nA note.')).toBe(true);
    expect(printedPlanSteps(help)).toEqual(planSteps(plan));
  });

  it('shows a backfill as the batched UPDATE its data migration runs, and goes back to a backfill inside the contract', () => {
    const required = addRequiredColumn.plan(requiredColumn(knownTable('auth', 'users'), { column: 'phone', type: 'text', default: null, backfill: "'unknown'", exists: false }));
    const help = planHelp({ intro: 'Instead', plan: required, command: 'sdk db new ...' });
    expect(help).toContain(`2. fill existing rows: \`UPDATE "auth"."users" SET "phone" = 'unknown' WHERE "phone" IS NULL\`, in batches`);
    expect(help).toContain('backfill, a data migration `pnpm sdk db migrate` runs between the contract migrations:\n4. fill rows written since the backfill');
    expect(help).toContain('contract, continued:\n5. validate check (starts a new migration)');
    expect(help).toContain('as migration files and a data migration;');
  });
});

describe('newCommand', () => {
  it('writes the table as sdk db new reads it, and quotes every value for a POSIX shell', () => {
    expect(newCommand('add-required-column', knownTable('auth', 'users'), ['phone_number'], { type: 'varchar(20)', backfill: '<value>', default: undefined })).toBe(
      'sdk db new add-required-column auth.users phone_number --type "varchar(20)" --backfill "<value>"',
    );
    expect(newCommand('add-index', knownTable('public', 'User'), [], { columns: '"Email"', unique: true })).toBe(`sdk db new add-index '"User"' --columns '"Email"' --unique`);
  });
});
