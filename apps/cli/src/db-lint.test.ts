import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { sdk } from './__fixtures__/sdk.js';



let dir: string;
let unsafe: string;
let clean: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-lint-cli-'));
  unsafe = join(dir, 'unsafe');
  clean = join(dir, 'clean');
  await mkdir(unsafe);
  await mkdir(clean);
  await writeFile(join(unsafe, '0000_init.sql'), 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);');
  await writeFile(join(unsafe, '0001_index.sql'), '-- add an index\nCREATE INDEX "users_email_idx" ON "users" ("email");\n');
  await writeFile(join(clean, '0000_init.sql'), 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);\n--> statement-breakpoint\nCREATE INDEX "e" ON "users" ("email");');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sdk db lint', () => {
  it('prints each finding with a code frame and the safe statement, and exits 1 on an error', async () => {
    const run = await sdk(['db', 'lint', unsafe, '--pg-version', '16']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${join(unsafe, '0001_index.sql')}:2:1  error  creating-index-non-concurrently`);
    expect(run.stdout).toContain('2 | CREATE INDEX "users_email_idx" ON "users" ("email");');
    // The help is the add-index operation's plan, which names the table with its schema.
    expect(run.stdout).toContain('`CREATE INDEX CONCURRENTLY "users_email_idx" ON "public"."users" ("email");`');
    expect(run.stdout).toContain('2 file(s) checked for PostgreSQL 16: 1 error(s), 0 warning(s), 1 clean file(s).');
  });

  it('exits 0 on clean migrations', async () => {
    const run = await sdk(['db', 'lint', clean]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    // Without DATABASE_URL, for the embedded server's version (db-generate.test.ts checks which).
    expect(run.stdout).toMatch(/1 file\(s\) checked for PostgreSQL \d+: 0 error\(s\), 0 warning\(s\)\./);
  });

  it('prints one JSON object listing every file, clean ones too', async () => {
    const run = await sdk(['db', 'lint', unsafe, '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { files: { path: string; violations: Record<string, unknown>[] }[] };
    expect(report.files.map((f) => [f.path.slice(unsafe.length + 1), f.violations.length])).toEqual([
      ['0000_init.sql', 0],
      ['0001_index.sql', 1],
    ]);
    expect(report.files[1]!.violations[0]).toMatchObject({ rule: 'creating-index-non-concurrently', severity: 'error', line: 2, column: 1, message: expect.any(String), help: expect.any(String) });
    expect((await sdk(['db', 'lint', unsafe, '--json'])).stdout).toBe(run.stdout);
  });

  it('writes GitHub annotations and SARIF', async () => {
    const github = await sdk(['db', 'lint', unsafe, '--format', 'github']);
    expect(github.stdout).toMatch(/^::error file=.*0001_index\.sql,line=2,col=1,endLine=2,title=creating-index-non-concurrently \(sdk db lint\)::Building this index/m);
    const sarif = JSON.parse((await sdk(['db', 'lint', unsafe, '--format', 'sarif'], { cwd: dir })).stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'creating-index-non-concurrently',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'unsafe/0001_index.sql' }, region: { startLine: 2, startColumn: 1 } } }],
    });
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain('syntax-error');
  });

  it('lists the rules', async () => {
    const run = await sdk(['db', 'lint', '--list-rules']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^creating-index-non-concurrently +error +Creating an index without CONCURRENTLY$/m);
  });

  it('judges for the version of the target database, and goes on without it when it does not answer', async () => {
    const db: TestDatabase = await createTestDatabase('lint_version');
    try {
      const version = Math.floor(Number((await db.pool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v) / 10_000);
      expect(JSON.parse((await sdk(['db', 'lint', clean, '--json'], { env: { DATABASE_URL: db.url } })).stdout).pgVersion).toBe(version);
    } finally {
      await db.drop();
    }
    const down = await sdk(['db', 'lint', clean], { env: { DATABASE_URL: 'postgres://app:Sekr1t-pw@127.0.0.1:1/app' } });
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/^note: could not read the server's PostgreSQL version \(cannot connect to postgres:\/\/app:\*+@127\.0\.0\.1:1\/app: connection refused.*judging for PostgreSQL 18/);
    expect(down.stderr + down.stdout).not.toContain('Sekr1t-pw');
  });

  it("names this CLI's flag where a finding advises another command with a library option, and leaves the user's own quoted names alone", async () => {
    const file = join(dir, 'alone.sql');
    await writeFile(file, 'ALTER TABLE "invoices" ALTER COLUMN "name" SET DATA TYPE text;\n');
    for (const format of ['pretty', 'github']) {
      const run = await sdk(['db', 'lint', file, '--pg-version', '16', '--no-cache', '--format', format]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('`sdk db plan --database-url` reads the column');
      expect(run.stdout).not.toContain('`databaseUrl`');
      expect(run.stdout).not.toContain('--name');
    }
    // JSON is the library's report, as a script reads it.
    const json = await sdk(['db', 'lint', file, '--pg-version', '16', '--no-cache', '--json']);
    expect(json.stdout).toContain('`sdk db plan` with `databaseUrl`');
  });

  it('refuses a missing path and an unknown version with one line and a hint', async () => {
    const missing = await sdk(['db', 'lint', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([`error: ${join(dir, 'nope')}: no such file or folder`, expect.stringMatching(/^hint: pass migration \.sql files/)]);
    const version = await sdk(['db', 'lint', clean, '--pg-version', '9']);
    expect(version.code).toBe(1);
    expect(version.stderr).toMatch(/^error: PostgreSQL 9 is not a version the linter knows\nhint: pass `--pg-version` a major version from/);
  });
});

describe('sdk db lint, run again', () => {
  /** A project (pnpm-workspace.yaml, node_modules) with the unsafe migrations, as `sdk` finds one. */
  async function project(name: string, withNodeModules = true): Promise<string> {
    const root = join(dir, name);
    await mkdir(join(root, 'migrations'), { recursive: true });
    await writeFile(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
    if (withNodeModules) await mkdir(join(root, 'node_modules'));
    await writeFile(join(root, 'migrations', '0000_init.sql'), 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);');
    await writeFile(join(root, 'migrations', '0001_index.sql'), 'CREATE INDEX "users_email_idx" ON "users" ("email");');
    return root;
  }
  const lint = (root: string, ...args: string[]) => sdk(['db', 'lint', 'migrations', '--pg-version', '17', '--verbose', ...args], { cwd: root });
  const CACHE = join('node_modules', '.cache', 'sdk', 'lint.json');

  it('keeps a cache in node_modules/.cache/sdk and answers a re-run with nothing changed from it', async () => {
    const root = await project('cached');
    // Widening a varchar the first migration created keeps every row: instant, no finding.
    await writeFile(join(root, 'migrations', '0000_init.sql'), 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" varchar(50));');
    await writeFile(join(root, 'migrations', '0001_index.sql'), 'ALTER TABLE "users" ALTER COLUMN "email" TYPE varchar(100);');
    const first = await lint(root);
    expect(first.stderr).toContain(`lint cache ${CACHE}: 0 file(s) from the cache, 2 judged.`);
    const again = await lint(root);
    expect(again.stderr).toContain(`lint cache ${CACHE}: 2 file(s) from the cache, 0 judged.`);
    expect(again).toMatchObject({ code: 0, stdout: first.stdout });
    // One byte of the first migration: both are judged again, and the column's type is now unknown.
    await writeFile(join(root, 'migrations', '0000_init.sql'), 'CREATE TABLE "usera" ("id" serial PRIMARY KEY, "email" varchar(50));');
    const changed = await lint(root);
    expect(changed.stderr).toContain(`lint cache ${CACHE}: 0 file(s) from the cache, 2 judged.`);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('changing-column-type');
    expect(changed.stdout).toBe((await lint(root, '--no-cache')).stdout);
  });

  it('with --no-cache neither reads nor writes the cache', async () => {
    const root = await project('no-cache');
    await mkdir(join(root, 'node_modules', '.cache', 'sdk'), { recursive: true });
    await writeFile(join(root, CACHE), 'garbage');
    const run = await lint(root, '--no-cache', '--format', 'json');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(await readFile(join(root, CACHE), 'utf8')).toBe('garbage');
    expect(JSON.parse(run.stdout).files).toHaveLength(2);
  });

  it('says so when it ignores a corrupt cache file, and writes a good one', async () => {
    const root = await project('corrupt');
    const clean = await lint(root, '--no-cache');
    await mkdir(join(root, 'node_modules', '.cache', 'sdk'), { recursive: true });
    await writeFile(join(root, CACHE), '{"format":1,"entries":{"x"');
    const run = await lint(root);
    expect(run.stderr).toMatch(/^note: the lint cache \(node_modules\/\.cache\/sdk\/lint\.json\) ignored a corrupt cache file \(.*\); the verdicts are not affected\.$/m);
    expect(run).toMatchObject({ code: 1, stdout: clean.stdout });
    expect((await lint(root)).stderr).toContain('2 file(s) from the cache, 0 judged.');
  });

  it('gives every one of several runs at the same moment the right report, and leaves a whole cache', async () => {
    const root = await project('concurrent');
    const clean = await lint(root, '--no-cache');
    const runs = await Promise.all([1, 2, 3, 4].map(() => lint(root)));
    for (const run of runs) expect(run).toMatchObject({ code: 1, stdout: clean.stdout });
    expect(await readdir(join(root, 'node_modules', '.cache', 'sdk'))).toEqual(['lint-runs', 'lint.json']);
    expect((await readdir(join(root, 'node_modules', '.cache', 'sdk', 'lint-runs'))).filter((name) => !name.endsWith('.run'))).toEqual([]);
    const after = await lint(root);
    expect(after.stderr).toContain('2 file(s) from the cache, 0 judged.');
    expect(after.stdout).toBe(clean.stdout);
  });

  it('keeps the cache of a project without node_modules in the user\'s cache folder', async () => {
    const root = await project('bare', false);
    const xdg = join(dir, 'xdg-cache');
    const run = await sdk(['db', 'lint', 'migrations', '--pg-version', '17', '--verbose'], { cwd: root, env: { XDG_CACHE_HOME: xdg } });
    expect(run.stderr).toMatch(new RegExp(`lint cache ${xdg}/sdk/lint-[0-9a-f]{16}\\.json: 0 file\\(s\\) from the cache, 2 judged\\.`));
    // The cache and the folder of its run records (lint-replay.ts), both named for the project.
    expect((await readdir(join(xdg, 'sdk'))).map((name) => name.replace(/[0-9a-f]{16}/, 'H'))).toEqual(['lint-H-runs', 'lint-H.json']);
  });
});
