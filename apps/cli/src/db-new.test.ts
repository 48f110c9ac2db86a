import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@big0290/testing';
import { sdk } from './__fixtures__/sdk.js';
import { asCliUser, expectNoPassword, freshDb, useCliRole } from './__fixtures__/cli-db.js';

useCliRole();

const HERE = dirname(fileURLToPath(import.meta.url));

const IMPORTS = "import { pgSchema, serial, text, varchar, integer, bigint, timestamp } from 'drizzle-orm/pg-core';\nimport { sql } from 'drizzle-orm';\n";
/** The project's Drizzle schema: auth.users with `columns` (TypeScript object members). */
const schema = (columns: string) => `${IMPORTS}export const auth = pgSchema('auth');\nexport const users = auth.table('users', { id: serial('id').primaryKey(), email: text('email'), ${columns} });\n`;

/**
 * A project of its own (sdk.config.json makes its folder the root: migrations, data-migrations,
 * drizzle config), inside the workspace so drizzle-kit resolves drizzle-orm; its first migration
 * is drizzle-kit's, so the folder has a journal and a snapshot as in a real project.
 */
describe('sdk db new, through an operation\'s whole life', () => {
  let work: string;
  let db: TestDatabase;
  let env: Record<string, string>;
  const run = (args: string[]) => sdk(args, { cwd: work, env });
  const listing = async () => [...(await readdir(join(work, 'migrations'))), ...(existsSync(join(work, 'data-migrations')) ? await readdir(join(work, 'data-migrations')) : [])].sort();
  const journal = () => JSON.parse(readFileSync(join(work, 'migrations', 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ idx: number; tag: string }> };

  beforeEach(async () => {
    work = await mkdtemp(join(HERE, '..', '.generate-test-new-'));
    await writeFile(join(work, 'sdk.config.json'), JSON.stringify({ migrations: 'migrations', drizzleConfig: 'drizzle.config.ts' }));
    await writeFile(join(work, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: './schema.ts', out: './migrations' };\n");
    await writeFile(join(work, 'schema.ts'), schema(''));
    db = await freshDb();
    env = { DATABASE_URL: asCliUser(db) };
    expect((await run(['db', 'generate', '--name', 'init'])).code).toBe(0);
    expect((await run(['db', 'migrate'])).code).toBe(0);
    await db.pool.query("INSERT INTO auth.users (email) SELECT 'u' || g || '@x.test' FROM generate_series(1, 2000) g");
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('add-required-column: dry run, files, expand stops before the contract naming the deploy, status, rollback, expand again, contract; the schema line makes drizzle-kit agree', async () => {
    const args = ['db', 'new', 'add-required-column', 'auth.users', 'phone_number', '--type', 'varchar(20)', '--default', "'unknown'", '--backfill', "'unknown'"];

    // A dry run prints the plan and every file in full, and writes nothing.
    const before = await listing();
    const dry = await run([...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Dry run: nothing was written\. sdk db new would write the add-required-column operation add_users_phone_number: add auth\.users\.phone_number varchar\(20\) NOT NULL\./);
    expect(dry.stdout).toContain('add-required-column: add auth.users.phone_number varchar(20) NOT NULL\nexpand:\n  1. add nullable column: ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20);');
    expect(dry.stdout).toContain('--- migrations/0001_add_users_phone_number_expand.sql\n-- sdk:phase expand\n');
    expect(dry.stdout).toContain('--- data-migrations/0001_add_users_phone_number_backfill.mjs\n');
    expect(dry.stdout).toContain('ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;');
    expect(await listing()).toEqual(before);

    // The real run writes the migrations (in drizzle-kit's journal) and the backfill.
    const wrote = await run(args);
    expect(wrote.code).toBe(0);
    expectNoPassword(wrote);
    expect(wrote.stdout).toMatch(/^Wrote the add-required-column operation add_users_phone_number: add auth\.users\.phone_number varchar\(20\) NOT NULL:\n  migrations\/0001_add_users_phone_number_expand\.sql\n  data-migrations\/0001_add_users_phone_number_backfill\.mjs\n  migrations\/0002_add_users_phone_number_contract\.sql\n/);
    expect(wrote.stdout).toContain('Next:\n  1. review the files and commit them\n  2. pnpm sdk db migrate --phase expand: applies the expand migrations and the backfill, and stops before the contract\n  3. deploy the version of the application that writes phone_number');
    expect(journal().entries.map((e) => e.tag)).toEqual(['0000_init', '0001_add_users_phone_number_expand', '0002_add_users_phone_number_contract', '0003_add_users_phone_number_contract_2', '0004_add_users_phone_number_contract_3']);
    expect(readFileSync(join(work, 'migrations', '0001_add_users_phone_number_expand.sql'), 'utf8')).toContain("-- Written by `sdk db new add-required-column auth.users phone_number --type 'varchar(20)' --default \"'unknown'\" --backfill \"'unknown'\" --name add_users_phone_number`.");
    expect(wrote.stdout).toContain("Drizzle schema (best effort; drizzle-kit's snapshot already describes the schema after the contract, so once your schema says the same, `pnpm db:generate` finds nothing to do):\n  in the Drizzle table of auth.users (pgSchema('auth').table('users', ...)), add the column:\n    phoneNumber: ");
    const schemaLine = /^ {4}(phoneNumber: .*,)$/m.exec(wrote.stdout)?.[1];
    expect(schemaLine).toBe("phoneNumber: varchar('phone_number', { length: 20 }).notNull().default('unknown'),");

    // Expand: the column and its backfill; then a stop before the contract that says what to deploy.
    const expand = await run(['db', 'migrate', '--phase', 'expand']);
    expect(expand.code).toBe(0);
    expect(expand.stdout).toContain(
      'Stopped before 0002_add_users_phone_number_contract: it is the contract of the add-required-column operation add_users_phone_number (add auth.users.phone_number varchar(20) NOT NULL), so the application version running now may break once it is applied.\nNext:\n  1. deploy the version of the application that writes phone_number (its Drizzle schema has the column);',
    );
    expect((await db.pool.query("SELECT count(*)::int AS n FROM auth.users WHERE phone_number = 'unknown'")).rows).toEqual([{ n: 2000 }]);

    const expanded = await run(['db', 'status']);
    expect(expanded.code).toBe(1);
    expect(expanded.stdout).toMatch(/Operations:\nNAME +KIND +PHASE +WHAT\nadd_users_phone_number +add-required-column +expanded \(backfill done\) +add auth\.users\.phone_number varchar\(20\) NOT NULL/);
    expect(expanded.stdout).toContain('3 pending: run `pnpm sdk db migrate` once the application version that works with add auth.users.phone_number varchar(20) NOT NULL (add_users_phone_number) is deployed');
    expect(JSON.parse((await run(['db', 'status', '--json'])).stdout).operations).toEqual([
      expect.objectContaining({ name: 'add_users_phone_number', kind: 'add-required-column', state: 'expanded', backfill: 'done', dataMigrations: ['0001_add_users_phone_number_backfill'] }),
    ]);

    // A second operation now would expand only after this one's contract, after its deploy: refused.
    const files = await listing();
    const behind = await run(['db', 'new', 'drop-column', 'auth.users', 'email']);
    expect(behind.code).toBe(1);
    expect(behind.stderr).toMatch(/^error: the contract of operation add_users_phone_number \(0002_add_users_phone_number_contract\) is not applied yet, [^\n]*\nhint: [^\n]+\n$/);
    expect(await listing()).toEqual(files);

    // Roll back before the contract: the column is gone, the expand is pending again.
    const rollback = await run(['db', 'rollback-operation', 'add_users_phone_number']);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/^Rolled back the add-required-column operation add_users_phone_number: ran 1 statement\.\n {2}ALTER TABLE "auth"\."users" DROP COLUMN IF EXISTS "phone_number";\nPending again: 0001_add_users_phone_number_expand\./);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone_number'")).rows).toEqual([{ n: 0 }]);
    expect((await run(['db', 'status'])).stdout).toMatch(/add_users_phone_number +add-required-column +rolled back /);

    // Expand again, deploy, contract.
    expect((await run(['db', 'migrate', '--phase', 'expand'])).code).toBe(0);
    const contract = await run(['db', 'migrate']);
    expect(contract).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied 3 migrations in /) });
    const done = await run(['db', 'status']);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/add_users_phone_number +add-required-column +contracted /);
    expect((await db.pool.query("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone_number'")).rows).toEqual([{ is_nullable: 'NO' }]);

    // Once contracted, there is nothing to roll back to: one line and a hint, exit 1.
    const refused = await run(['db', 'rollback-operation', '0001_add_users_phone_number_expand']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: add_users_phone_number is contracted already \(0002_add_users_phone_number_contract, .*\): its old shape is gone, so there is nothing to roll back to\nhint: [^\n]+\n$/);

    // The schema line it printed, written into the schema, is what drizzle-kit's snapshot says already.
    await writeFile(join(work, 'schema.ts'), schema(schemaLine!));
    const generate = await run(['db', 'generate']);
    expect(generate.code).toBe(0);
    expect(generate.stderr).toContain('drizzle-kit wrote no migration file: nothing to lint.');
  }, 120_000);

  it('rewrite-table: a dry run plans the new table, the copy and the swap, and writes nothing', async () => {
    const before = await listing();
    const dry = await run(['db', 'new', 'rewrite-table', 'auth.users', '--column-type', 'id=bigint', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Dry run: nothing was written\. sdk db new would write the rewrite-table operation rewrite_users: /);
    expect(dry.stdout).toContain('--- migrations/0001_rewrite_users_expand.sql\n');
    expect(dry.stdout).toContain('--- data-migrations/0001_rewrite_users_backfill.mjs\n');
    expect(dry.stdout).toMatch(/await copy\(/);
    expect(dry.stdout).toContain("give id its new type:\n    id: bigint('id', { mode: 'number' }).primaryKey(),");
    expect(await listing()).toEqual(before);
  }, 120_000);

  it('bad input: one line (and a hint), a non-zero exit, nothing written', async () => {
    const before = await listing();
    const unknown = await run(['db', 'new', 'add-column', 'auth.users', 'phone_number', '--type', 'text']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown operation add-column \(did you mean add-required-column\?\); sdk db new knows add-required-column, rename-column, .*\n$/);

    const table = await run(['db', 'new', 'add-required-column', 'auth.nope', 'phone_number', '--type', 'text']);
    expect(table.code).toBe(1);
    expect(table.stderr).toBe('error: table auth.nope does not exist in this database\nhint: check the name and the schema (schema.table), and that the migrations that create it are applied (`sdk db status`)\n');

    const type = await run(['db', 'new', 'add-required-column', 'auth.users', 'phone_number', '--type', 'varchr(20)']);
    expect(type.code).toBe(1);
    expect(type.stderr).toMatch(/^error: varchr\(20\) is not a type this database knows[^\n]*\nhint: give an SQL type, e.g\. varchar\(20\), integer, timestamptz\n$/);

    const taken = await run(['db', 'new', 'add-index', 'auth.users', '--columns', 'email', '--index-name', 'users_pkey']);
    expect(taken).toMatchObject({ code: 1, stderr: 'error: auth.users_pkey exists already\nhint: pick another name with --index-name\n' });

    const foreign = await run(['db', 'new', 'add-index', 'auth.users', '--columns', 'email', '--check', 'id > 0']);
    expect(foreign).toMatchObject({ code: 2, stderr: 'error: --check does not apply to add-index; usage: sdk db new add-index <table> --columns <list> [--unique] [--using <method>] [--where <sql>] [--index-name <name>]\n' });

    const arity = await run(['db', 'new', 'drop-column', 'auth.users']);
    expect(arity).toMatchObject({ code: 2, stderr: 'error: drop-column takes 2 arguments (table, column), not 1; usage: sdk db new drop-column <table> <column>\n' });

    const json = await run(['db', 'new', 'drop-table', 'auth.nope', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'E_OPERATION', message: 'table auth.nope does not exist in this database' });
    expect(await listing()).toEqual(before);
  }, 120_000);
});
