import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { sdk } from './__fixtures__/sdk.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Tagged unlike any migration of this repository's packages/db-config, so the folder read is certain. */
const INIT = [{ tag: '0000_accounts', sql: 'CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" text);' }];

let db: TestDatabase;
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  db = await createTestDatabase('cli_project');
  dbs.push(db);
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A project folder with `files` (path -> text) in it. */
async function project(files: Record<string, string>, parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, parent === tmpdir() ? 'sdk-layout-' : '.generate-test-layout-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** A fresh database's URL, so each case migrates from nothing. */
async function freshUrl(): Promise<string> {
  const fresh = await createTestDatabase('cli_project');
  dbs.push(fresh);
  return fresh.url;
}

describe('the project\'s paths', () => {
  it('come from sdk.config.json in a monorepo that names its packages differently, from any folder below it', async () => {
    // Inside apps/cli, so drizzle-kit and drizzle-orm resolve as in a real project.
    const dir = await project(
      {
        'pnpm-workspace.yaml': 'packages: [services/*, db/*]\n',
        'sdk.config.json': JSON.stringify({ migrations: 'db/schema/migrations', drizzleConfig: 'db/schema/drizzle.config.ts' }),
        'db/schema/drizzle.config.ts': "export default { dialect: 'postgresql', schema: './tables.ts', out: './migrations' };\n",
        'db/schema/tables.ts': "import { pgTable, serial, text } from 'drizzle-orm/pg-core';\nexport const accounts = pgTable('accounts', { id: serial('id').primaryKey(), email: text('email') });\n",
        'services/api/index.ts': '',
      },
      join(HERE, '..'),
    );
    const cwd = join(dir, 'services', 'api');
    const generate = await sdk(['db', 'generate', '--name', 'accounts'], { cwd });
    expect(generate.code).toBe(0);
    expect(existsSync(join(dir, 'db', 'schema', 'migrations', '0000_accounts.sql'))).toBe(true);

    const lint = await sdk(['db', 'lint', '--json'], { cwd });
    expect(lint.code).toBe(0);
    expect(JSON.parse(lint.stdout).files.map((f: { path: string }) => f.path)).toEqual([join(dir, 'db', 'schema', 'migrations', '0000_accounts.sql')]);

    const env = { DATABASE_URL: await freshUrl() };
    const migrate = await sdk(['db', 'migrate', '--json'], { cwd, env });
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout).applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_accounts']);
    const status = await sdk(['db', 'status', '--json'], { cwd, env });
    expect(JSON.parse(status.stdout).migrations).toMatchObject([{ tag: '0000_accounts', state: 'applied' }]);
  });

  it('come from the "sdk" key of package.json, or from sdk.config.mjs', async () => {
    const fromPackage = await project({ 'package.json': JSON.stringify({ name: 'shop', private: true, sdk: { migrations: 'database/migrations' } }) });
    await writeMigrationsFolder(INIT, join(fromPackage, 'database', 'migrations'));
    const status = await sdk(['db', 'status', '--json'], { cwd: fromPackage, env: { DATABASE_URL: db.url } });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).migrations).toMatchObject([{ tag: '0000_accounts', state: 'pending' }]);

    const fromModule = await project({ 'sdk.config.mjs': "export default { migrations: 'sql' };\n" });
    await writeMigrationsFolder(INIT, join(fromModule, 'sql'));
    const plan = await sdk(['db', 'migrate', '--dry-run', '--json'], { cwd: fromModule, env: { DATABASE_URL: db.url } });
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).plan.map((m: { tag: string }) => m.tag)).toEqual(['0000_accounts']);
  });

  it('default to packages/db-config without a config', async () => {
    const dir = await project({ 'pnpm-workspace.yaml': 'packages: [packages/*]\n' });
    await writeMigrationsFolder(INIT, join(dir, 'packages', 'db-config', 'migrations'));
    const migrate = await sdk(['db', 'migrate', '--json'], { cwd: join(dir, 'packages', 'db-config'), env: { DATABASE_URL: await freshUrl() } });
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout).applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_accounts']);
  });

  it('say where a missing folder was expected and how to name another', async () => {
    const bare = await project({ 'pnpm-workspace.yaml': 'packages: []\n' });
    const none = await sdk(['db', 'migrate'], { cwd: bare, env: { DATABASE_URL: db.url } });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      "error: no migrations folder at packages/db-config/migrations (sdk's default; no sdk config in .)\n" +
        'hint: pass --migrations PATH, or name it once in sdk.config.json at the project root: { "migrations": "path/to/migrations" }\n',
    );
    expect(existsSync(join(bare, '.sdk'))).toBe(false);
    const configured = await project({ 'sdk.config.json': '{ "migrations": "db/migrations" }' });
    const wrong = await sdk(['db', 'status'], { cwd: configured, env: { DATABASE_URL: db.url } });
    expect(wrong.stderr).toBe('error: no migrations folder at db/migrations ("migrations" of sdk.config.json)\nhint: fix "migrations" in sdk.config.json, or pass --migrations PATH\n');
    const generate = await sdk(['db', 'generate'], { cwd: configured });
    expect(generate.stderr).toBe(
      'error: packages/db-config/drizzle.config.ts: no such drizzle config (sdk\'s default; sdk.config.json does not set "drizzleConfig")\n' +
        'hint: pass --config PATH, or name it once in sdk.config.json: { "drizzleConfig": "path/to/drizzle.config.ts" }\n',
    );
  });

  it('refuse a config with an unknown setting, or two configs', async () => {
    const typo = await project({ 'sdk.config.json': '{ "migration": "db" }' });
    const run = await sdk(['db', 'lint'], { cwd: typo });
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'error: sdk.config.json: unknown setting "migration"\nhint: sdk reads "migrations", "drizzleConfig", "dataMigrations"\n' });
    const two = await project({ 'sdk.config.json': '{}', 'package.json': JSON.stringify({ sdk: {} }) });
    expect((await sdk(['db', 'lint'], { cwd: two })).stderr).toBe(
      'error: . holds 2 sdk configs (sdk.config.json, the "sdk" key of package.json): sdk would not know which one you meant\nhint: keep one of them\n',
    );
  });

  it.skipIf(typeof (process.features as { typescript?: unknown }).typescript === 'string')('say how to replace sdk.config.ts where Node cannot load TypeScript', async () => {
    const dir = await project({ 'sdk.config.ts': "export default { migrations: 'db' } satisfies Record<string, string>;\n" });
    const run = await sdk(['db', 'lint'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: sdk.config.ts: Node ${process.version} cannot load a TypeScript file by itself (Node 22.18 and later can)\n` +
        'hint: rename it sdk.config.mjs (the same `export default { ... }` without type annotations), or use sdk.config.json or an "sdk" key in package.json\n',
    );
  });
});
