import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, sdk } from './__fixtures__/sdk.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-lint-replay-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const REPLAYED = "Replayed the last run's output: nothing it read has changed.";
const RUNS = join('node_modules', '.cache', 'sdk', 'lint-runs');

/** A project (pnpm-workspace.yaml, node_modules) whose second migration builds an index on the first's table. */
async function project(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'migrations'), { recursive: true });
  await mkdir(join(root, 'node_modules'));
  await writeFile(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
  await writeFile(join(root, 'migrations', '0000_init.sql'), 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);');
  await writeFile(join(root, 'migrations', '0001_index.sql'), 'CREATE INDEX "users_email_idx" ON "users" ("email");');
  return root;
}

const lint = (root: string, args: string[] = ['migrations', '--pg-version', '17'], env: Record<string, string | undefined> = {}) =>
  sdk(['db', 'lint', ...args, '--verbose'], { cwd: root, env });

describe('sdk db lint run again with nothing changed', () => {
  it('replays the last run: the same output and exit code, without reading the lint cache or judging a file', async () => {
    const root = await project('same');
    const first = await lint(root);
    expect(first.code).toBe(1);
    expect(first.stderr).not.toContain(REPLAYED);
    // A damaged lint cache would be noticed by a run that judged or read a report: the replay reads neither.
    await writeFile(join(root, 'node_modules', '.cache', 'sdk', 'lint.json'), 'garbage');
    const again = await lint(root);
    expect(again).toMatchObject({ code: 1, stdout: first.stdout });
    expect(again.stderr).toBe(`lint cache ${join('node_modules', '.cache', 'sdk', 'lint.json')}: 2 file(s) from the cache, 0 judged. ${REPLAYED}\n`);
    // --verbose only adds that line: the run without it is replayed from the same record.
    expect(await sdk(['db', 'lint', 'migrations', '--pg-version', '17'], { cwd: root })).toMatchObject({ code: 1, stdout: first.stdout, stderr: '' });
  });

  it('sees an edit of an earlier migration that keeps its size and modification time, and judges again', async () => {
    const root = await project('same-size');
    const init = join(root, 'migrations', '0000_init.sql');
    // A whole second: utimes with a fraction may round, and this test needs the time kept exactly.
    await utimes(init, 1_700_000_000, 1_700_000_000);
    const before = await stat(init);
    expect((await lint(root)).code).toBe(1);
    expect((await lint(root)).stderr).toContain(REPLAYED);
    // One byte, the same size, the old modification time: only the change time (which no user can set) differs.
    await writeFile(init, 'CREATE TABLE "usera" ("id" serial PRIMARY KEY, "email" text);');
    await utimes(init, 1_700_000_000, 1_700_000_000);
    expect((await stat(init)).mtimeMs).toBe(before.mtimeMs);
    const changed = await lint(root);
    expect(changed.stderr).not.toContain(REPLAYED);
    expect(changed.stderr).toContain('judged.');
    const fresh = await lint(root, ['migrations', '--pg-version', '17', '--no-cache']);
    expect(changed).toMatchObject({ code: fresh.code, stdout: fresh.stdout });
  });

  it('sees a migration added to the folder, and a journal that reorders it', async () => {
    const root = await project('added');
    await lint(root, ['migrations', '--pg-version', '17', '--format', 'json']);
    await writeFile(join(root, 'migrations', '0002_later.sql'), 'CREATE TABLE "orders" ("id" serial PRIMARY KEY);');
    const added = await lint(root, ['migrations', '--pg-version', '17', '--format', 'json']);
    expect(added.stderr).not.toContain(REPLAYED);
    // --verbose says why: the first input found changed.
    expect(added.stderr).toContain('lint replay: not replayed: migrations changed (modification time) since the last run.\n');
    expect(added.stdout).toContain('0002_later.sql');
    expect((await lint(root, ['migrations', '--pg-version', '17', '--format', 'json'])).stderr).toContain(REPLAYED);
    await mkdir(join(root, 'migrations', 'meta'));
    await writeFile(
      join(root, 'migrations', 'meta', '_journal.json'),
      JSON.stringify({ entries: ['0002_later', '0000_init', '0001_index'].map((tag, idx) => ({ idx, tag })) }),
    );
    const journal = await lint(root, ['migrations', '--pg-version', '17', '--format', 'json']);
    expect(journal.stderr).not.toContain(REPLAYED);
    expect((JSON.parse(journal.stdout) as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(
      ['0002_later', '0000_init', '0001_index'].map((tag) => join('migrations', `${tag}.sql`)),
    );
  });

  it('runs the linter when the record is damaged, and writes a good one', async () => {
    const root = await project('damaged');
    const first = await lint(root);
    const [record] = await readdir(join(root, RUNS));
    await writeFile(join(root, RUNS, record!), '{"format":1,"key":');
    const run = await lint(root);
    expect(run).toMatchObject({ code: first.code, stdout: first.stdout });
    expect(run.stderr).not.toContain(REPLAYED);
    expect((await lint(root)).stderr).toContain(REPLAYED);
  });

  it('is not replayed when the version came from a database, which may have been upgraded since', async () => {
    const root = await project('database');
    // Nothing listens on port 1: the notice says so, and the verdicts are for the newest version.
    const url = 'postgres://app:replay-secret@127.0.0.1:1/app?connect_timeout=1';
    const first = await lint(root, ['migrations'], { DATABASE_URL: url });
    expect(first.stderr).toContain("note: could not read the server's PostgreSQL version");
    const again = await lint(root, ['migrations'], { DATABASE_URL: url });
    expect(again.stderr).toContain("note: could not read the server's PostgreSQL version");
    expect(again.stderr).not.toContain(REPLAYED);
  });

  it('is not replayed once a .env names a database, where the last run judged for the embedded server', async () => {
    const root = await project('dotenv');
    const first = await lint(root, ['migrations']);
    expect(first.stderr).not.toContain('note:');
    expect((await lint(root, ['migrations'])).stderr).toContain(REPLAYED);
    await writeFile(join(root, '.env'), 'DATABASE_URL=postgres://app:dotenv-secret@127.0.0.1:1/app?connect_timeout=1\n');
    const run = await lint(root, ['migrations']);
    expect(run.stderr).not.toContain(REPLAYED);
    expect(run.stderr).toContain("note: could not read the server's PostgreSQL version");
  });

  it('never writes a password to the record, from DATABASE_URL or --database-url', async () => {
    const root = await project('secret');
    await lint(root, ['migrations', '--pg-version', '17'], { DATABASE_URL: 'postgres://app:env-secret-pw@127.0.0.1:1/app' });
    await lint(root, ['migrations', '--pg-version', '17', '--database-url', 'postgres://app:flag-secret-pw@127.0.0.1:1/app']);
    const records = await readdir(join(root, RUNS));
    expect(records).toHaveLength(2);
    for (const name of records) {
      const text = await readFile(join(root, RUNS, name), 'utf8');
      expect(text).not.toContain('secret-pw');
    }
    // Each is replayed under its own key.
    const again = await lint(root, ['migrations', '--pg-version', '17'], { DATABASE_URL: 'postgres://app:env-secret-pw@127.0.0.1:1/app' });
    expect(again.stderr).toContain(REPLAYED);
    expect((await lint(root)).stderr).not.toContain(REPLAYED);
  });

  it('is not replayed by another installation of sdk, whose code may differ', async () => {
    const root = await project('other-install');
    await lint(root);
    expect((await lint(root)).stderr).toContain(REPLAYED);
    // A copy of the built CLI beside it (it finds the same packages): another sdk on this machine.
    const copy = await mkdtemp(join(dirname(BIN), '..', '.generate-test-replay-'));
    try {
      await cp(dirname(BIN), copy, { recursive: true, filter: (source) => !source.endsWith('.map') && !source.endsWith('.d.ts') });
      const other = await new Promise<{ stderr: string; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [join(copy, 'bin.js'), 'db', 'lint', 'migrations', '--pg-version', '17', '--verbose'], { cwd: root, env: childEnv() });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', () => resolve({ stdout, stderr }));
      });
      expect(other.stderr).not.toContain(REPLAYED);
      expect(other.stdout).toContain('creating-index-non-concurrently');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('is not recorded when a password would change its output (the record keeps the output unscrubbed)', async () => {
    const root = await project('names-password');
    const url = 'postgres://app:named-in-a-file@127.0.0.1:1/app';
    // A finding's code frame shows the statement, and with it the text equal to the password.
    await writeFile(join(root, 'migrations', '0002_partial.sql'), "CREATE INDEX \"i\" ON \"users\" (\"id\") WHERE \"email\" <> 'named-in-a-file';");
    const first = await lint(root, ['migrations', '--pg-version', '17'], { DATABASE_URL: url });
    expect(first.stdout).not.toContain('named-in-a-file');
    const again = await lint(root, ['migrations', '--pg-version', '17'], { DATABASE_URL: url });
    expect(again.stderr).not.toContain(REPLAYED);
    expect(again.stdout).toBe(first.stdout);
    expect(await readdir(join(root, RUNS)).catch(() => [])).toEqual([]);
  });

  it.runIf(process.platform !== 'win32')('reads a pipe given as a path to its end, and does not record the run', async () => {
    const root = await project('pipe');
    const fifo = join(root, 'index.sql');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `printf '%s' 'CREATE INDEX "e" ON "users" ("email");' > "$1"`, 'sh', fifo]);
    const run = await lint(root, ['index.sql', '--pg-version', '17']);
    writer.kill();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('creating-index-non-concurrently');
    expect(await readdir(join(root, RUNS)).catch(() => [])).toEqual([]);
  });
});
