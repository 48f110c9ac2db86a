import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, type Run } from './__fixtures__/sdk.js';
import { hashOf, HELP_FILE, helpPathOf, storedHelp, type HelpFile } from './help-fast.js';
import { buildProgram } from './program.js';

const DIST = dirname(BIN);
const FILE = pathToFileURL(join(DIST, HELP_FILE));
/** zlib.crc32 (Node 20.16+): without it the build writes no help file and commander answers every help. */
const WRITES_HELP = hashOf(new Uint8Array(1)) !== undefined;

/** Every command of the program by its path of names: [] for `sdk`, ['db', 'status']. */
function paths(command: Command, prefix: string[] = []): { path: string[]; command: Command }[] {
  return [{ path: prefix, command }, ...command.commands.flatMap((sub) => paths(sub, [...prefix, sub.name()]))];
}

const PROGRAM = paths(buildProgram(['node', 'sdk']));

/**
 * Every way of asking for a command's help that help-fast.ts answers: `<path> --help`, `<path> -h`,
 * and for a command with subcommands `<path> help` and `<path> help <subcommand>`.
 */
const INVOCATIONS: { args: string[]; path: string }[] = PROGRAM.flatMap(({ path, command }) => [
  { args: [...path, '--help'], path: path.join(' ') },
  { args: [...path, '-h'], path: path.join(' ') },
  ...(command.commands.length === 0
    ? []
    : [{ args: [...path, 'help'], path: path.join(' ') }, ...command.commands.map((sub) => ({ args: [...path, 'help', sub.name()], path: [...path, sub.name()].join(' ') }))]),
]);

/**
 * What commander prints for each of `invocations`: main() of the built CLI (the path the binary
 * takes without a help file), called for each in turn in one process, outputs split by NUL bytes.
 */
function commanderOutputs(invocations: string[][], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string }[]> {
  const script = [
    `const { main } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'main.js')).href)});`,
    `for (const args of JSON.parse(process.argv[1])) {`,
    `  process.stdout.write('\\0');`,
    `  const code = await main(['node', 'sdk', ...args]);`,
    `  process.stdout.write('\\0' + code);`,
    `}`,
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, '--', JSON.stringify(invocations)],
      { env: childEnv(env), cwd: tmpdir(), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error || stderr) return reject(new Error(`${error?.message ?? ''}${stderr}`));
        const parts = stdout.split('\0').slice(1);
        resolve(invocations.map((_, i) => ({ stdout: parts[2 * i]!, code: Number(parts[2 * i + 1]) })));
      },
    );
  });
}

/** Runs a built binary (`bin`, default dist/bin.js) with NODE_DEBUG=module, to see whether it loaded commander. */
function run(args: string[], options: { bin?: string; env?: Record<string, string | undefined> } = {}): Promise<Run & { loadedCommander: boolean }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [options.bin ?? BIN, ...args], { env: childEnv({ NODE_DEBUG: 'module', ...options.env }), cwd: tmpdir() }, (error, stdout, stderr) => {
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        stdout,
        stderr: stderr.split('\n').filter((line) => !line.startsWith('MODULE ')).join('\n'),
        loadedCommander: /[\\/]commander[\\/]index\.js/.test(stderr),
      });
    });
  });
}

describe.runIf(WRITES_HELP)('the help file the build writes', () => {
  const stored = JSON.parse(readFileSync(FILE, 'utf8')) as HelpFile;

  it('holds the help of every command of the program, and of nothing else', () => {
    expect(Object.keys(stored.commands).sort()).toEqual(PROGRAM.map(({ path }) => path.join(' ')).sort());
  });

  it('holds, for every command and every way of asking, exactly what commander prints', async () => {
    const live = await commanderOutputs(INVOCATIONS.map((i) => i.args));
    expect(INVOCATIONS.length).toBeGreaterThan(2 * PROGRAM.length);
    for (const [i, { args, path }] of INVOCATIONS.entries()) {
      expect({ args, code: live[i]!.code }).toEqual({ args, code: 0 });
      expect(stored.commands[path]!.join(''), args.join(' ')).toBe(live[i]!.stdout);
      expect(await storedHelp(args, {}, FILE), args.join(' ')).toBe(live[i]!.stdout);
    }
  });

  it('records the modules the texts come from, so a change to any of them is seen', () => {
    const recorded = stored.modules.map((m) => m.path);
    expect(recorded).toEqual(expect.arrayContaining(['program.js', 'options.js', 'operation-forms.js', 'commander.js', 'output.js']));
    expect(recorded.some((p) => /[\\/]commander[\\/]package\.json$/.test(p))).toBe(true);
  });
});

describe.runIf(WRITES_HELP)('the binary asked for help', () => {
  it('prints the stored text without loading commander, exit code 0', async () => {
    const stored = JSON.parse(readFileSync(FILE, 'utf8')) as HelpFile;
    for (const args of [['db', 'status', '--help'], ['--help'], ['help'], ['db', 'help', 'status'], ['db', 'backups', 'prune', '-h']]) {
      const path = helpPathOf(args, new Set(Object.keys(stored.commands)))!;
      const result = await run(args);
      expect({ args, code: result.code, stdout: result.stdout, stderr: result.stderr, loadedCommander: result.loadedCommander }).toEqual({
        args,
        code: 0,
        stdout: stored.commands[path]!.join(''),
        stderr: '',
        loadedCommander: false,
      });
    }
  });

  it('scrubs the password of DATABASE_URL from it as commander does', async () => {
    // "database" is in the help of `db status` (--database-url, target database).
    const env = { DATABASE_URL: 'postgres://someone:database@127.0.0.1:1/app' };
    const args = ['db', 'status', '--help'];
    const [live] = await commanderOutputs([args], env);
    const result = await run(args, { env });
    expect(live!.stdout).toContain('--****-url');
    expect({ stdout: result.stdout, loadedCommander: result.loadedCommander }).toEqual({ stdout: live!.stdout, loadedCommander: false });
  });

  it('leaves anything else to commander: other arguments, `help` on a command without subcommands', async () => {
    for (const args of [['db', 'status', '--help', '--json'], ['db', 'status', 'help'], ['help', 'db', 'status']]) {
      const result = await run(args);
      expect({ args, loadedCommander: result.loadedCommander }).toEqual({ args, loadedCommander: true });
    }
  });
});

describe.runIf(WRITES_HELP)('a help file that cannot be trusted', () => {
  // A copy of dist/ beside it (same depth, so the recorded module paths still resolve), whose help
  // file and modules the tests change; ignored by git (.generate-test-*).
  let copy: string;
  beforeAll(async () => {
    copy = await mkdtemp(join(DIST, '..', '.generate-test-help-'));
    await cp(DIST, copy, { recursive: true, filter: (source) => !source.endsWith('.map') && !source.endsWith('.d.ts') });
  });
  afterAll(async () => {
    await rm(copy, { recursive: true, force: true });
  });

  it('stale (program.js changed after the build wrote it): commander prints the new text', async () => {
    const program = join(copy, 'program.js');
    const text = await readFile(program, 'utf8');
    expect(text).toContain('show each migration with its phase');
    await writeFile(program, text.replace('show each migration with its phase', 'list each migration with its phase'));
    try {
      const result = await run(['db', 'status', '--help'], { bin: join(copy, 'bin.js') });
      expect({ code: result.code, loadedCommander: result.loadedCommander }).toEqual({ code: 0, loadedCommander: true });
      expect(result.stdout).toContain('list each migration with its phase');
      expect(await storedHelp(['db', 'status', '--help'], {}, pathToFileURL(join(copy, HELP_FILE)))).toBeUndefined();
    } finally {
      await writeFile(program, text);
    }
  });

  it('missing, unreadable, or of another format: commander answers, with the same text', async () => {
    const file = join(copy, HELP_FILE);
    const good = await readFile(file, 'utf8');
    const [live] = await commanderOutputs([['db', 'status', '--help']]);
    try {
      for (const [name, content] of [
        ['missing', undefined],
        ['not JSON', '{"format": 1, "comm'],
        ['another format', JSON.stringify({ ...JSON.parse(good), format: 0 })],
        ['no module list', JSON.stringify({ ...JSON.parse(good), modules: undefined })],
      ] as const) {
        if (content === undefined) await rm(file);
        else await writeFile(file, content);
        const result = await run(['db', 'status', '--help'], { bin: join(copy, 'bin.js') });
        expect({ name, code: result.code, stdout: result.stdout, loadedCommander: result.loadedCommander }).toEqual({ name, code: 0, stdout: live!.stdout, loadedCommander: true });
      }
    } finally {
      await writeFile(file, good);
    }
  });
});

describe.runIf(!WRITES_HELP)('on a Node without zlib.crc32', () => {
  it('the build wrote no help file, and commander answers', async () => {
    expect(() => readFileSync(FILE)).toThrow();
    expect(await storedHelp(['db', 'status', '--help'], {}, FILE)).toBeUndefined();
    const [live] = await commanderOutputs([['db', 'status', '--help']]);
    expect(live).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: sdk db status /) });
  });
});

describe.runIf(WRITES_HELP)('storedHelp', () => {
  it('answers at the width commander would use: no terminal, or a terminal as wide as the texts were wrapped', async () => {
    const args = ['db', 'status', '--help'];
    const text = await storedHelp(args, {}, FILE);
    expect(text).toMatch(/^Usage: sdk db status /);
    expect(await storedHelp(args, { isTTY: true, columns: 80 }, FILE)).toBe(text);
    expect(await storedHelp(args, { isTTY: true }, FILE)).toBe(text);
    expect(await storedHelp(args, { isTTY: true, columns: 120 }, FILE)).toBeUndefined();
    expect(await storedHelp(args, { isTTY: false, columns: 120 }, FILE)).toBe(text);
  });
});

describe('helpPathOf', () => {
  const known = new Set(['', 'db', 'db status', 'db backups', 'db backups list']);
  it.each([
    [['--help'], ''],
    [['-h'], ''],
    [['help'], ''],
    [['help', 'db'], 'db'],
    [['db', '--help'], 'db'],
    [['db', 'help'], 'db'],
    [['db', 'status', '-h'], 'db status'],
    [['db', 'help', 'status'], 'db status'],
    [['db', 'backups', 'help', 'list'], 'db backups list'],
    [['db', 'help', 'backups'], 'db backups'],
  ])('%j asks for the help of %j', (args, path) => {
    expect(helpPathOf(args, known)).toBe(path);
  });

  it.each([
    [[]],
    [['db']],
    [['db', 'status']],
    [['db', 'status', 'help']],
    [['help', 'db', 'status']],
    [['help', 'help']],
    [['db', 'help', 'nope']],
    [['db', 'nope', '--help']],
    [['db', 'status', '--json', '--help']],
    [['db status', '--help']],
    [['db', '--help', 'status']],
  ])('%j is left to commander', (args) => {
    expect(helpPathOf(args, known)).toBeUndefined();
  });
});
