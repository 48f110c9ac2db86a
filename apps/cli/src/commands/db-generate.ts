import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { MigratorError } from '@big0290/migrator/errors';
import { drizzleConfig, drizzleKitBin } from '../drizzle-kit.js';
import type { GenerateFlags } from '../options.js';
import type { Output } from '../output.js';
import { dataMigrationsFolderOf } from '../project.js';
import { backfillValues, offerSafeRewrite } from '../safe-rewrite.js';
import { dbLint } from './db-lint.js';

/**
 * `sdk db generate` (`pnpm db:generate`): runs `drizzle-kit generate`; with --safe (or, at a
 * terminal, when the user says yes) rewrites what it wrote that an expand/contract operation does
 * safely as that operation's files; then lints the migration files now in the folder for it (with
 * the folder's earlier migrations as history), so the review the guide asks for happens before
 * the files are committed. Exit 1 when drizzle-kit fails or a lint error remains.
 */
export async function dbGenerate(options: GenerateFlags, out: Output): Promise<number> {
  const backfill = backfillValues(options.backfill);
  const config = await drizzleConfig(options.config);
  const cwd = dirname(config);
  const folder = options.migrations ? resolve(options.migrations) : outFolderOf(config);
  const before = snapshot(folder);
  const args = ['generate', '--config', config];
  if (options.name) args.push('--name', options.name);
  if (options.custom) args.push('--custom');
  const kit = await run(drizzleKitBin(cwd), args, cwd, out);
  const after = snapshot(folder);
  const written = [...after].filter(([file, hash]) => before.get(file) !== hash).map(([file]) => file).sort();
  checkKitSucceeded(kit, written.length);
  if (written.length === 0) {
    out.info('drizzle-kit wrote no migration file: nothing to lint.');
    return 0;
  }
  const safe = await offerSafeRewrite(
    {
      migrationsFolder: folder,
      dataMigrationsFolder: await dataMigrationsFolderOf(options.dataMigrations, folder),
      // drizzle-kit's journal tags are its file names.
      tags: written.map((f) => basename(f, '.sql')),
      safe: options.safe === true,
      backfill,
    },
    out,
  );
  const files = safe.rewritten?.length ? safe.rewritten : written;
  out.info(`Linting ${safe.rewritten?.length ? 'the rewritten migrations' : 'what drizzle-kit wrote'}: ${files.map((f) => relative(process.cwd(), f)).join(', ')}`);
  const code2 = await dbLint(files, options, out);
  if (code2 !== 0 && !out.json) {
    const redo =
      safe.declined.length > 0
        ? ` \`pnpm db:generate --safe\` writes ${safe.declined.length === 1 ? 'this change' : `${safe.declined.length} of these changes`} as expand/contract operations instead: undo this generate (\`git restore\` and \`git clean\` the migrations folder) and run it with --safe (and --backfill "schema.table.column=<value>" for a new NOT NULL column).`
        : '';
    out.info(`Review the errors above before committing: each help line shows the safe statement or the expand/contract steps; edit the generated SQL (drizzle-kit does not regenerate it) or split it with \`pnpm db:generate --custom\`.${redo}`);
  }
  return code2;
}

/** The `out` folder the config names (drizzle-kit's default is ./drizzle), without loading the TypeScript config. */
function outFolderOf(config: string): string {
  const text = readFileSync(config, 'utf8');
  const match = /\bout\s*:\s*['"]([^'"]+)['"]/.exec(text);
  return resolve(dirname(config), match?.[1] ?? './drizzle');
}

/** sha256 of every .sql file of the folder, to tell which ones drizzle-kit wrote or changed. */
function snapshot(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(folder)) return out;
  for (const name of readdirSync(folder)) {
    if (!name.endsWith('.sql')) continue;
    const path = join(folder, name);
    out.set(path, createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return out;
}

interface KitRun {
  code: number;
  /** Undefined when drizzle-kit had the terminal (its output was not read). */
  stdout: string | undefined;
  stderr: string;
}

/** What drizzle-kit 0.31 prints when it would ask a question (renamed or created?) without a terminal. */
const NEEDS_TTY = 'Interactive prompts require a TTY';
/** What it prints when the schema matches the last snapshot. */
const NO_CHANGES = 'No schema changes';

/**
 * drizzle-kit's generate catches its own errors, prints them on stderr and exits 0, leaving no
 * migration behind (a rename question without a terminal does exactly that). Read its output
 * to tell "nothing to do" from a failure, so CI does not go green on a generate that failed.
 */
function checkKitSucceeded(kit: KitRun, written: number): void {
  if (kit.code !== 0) {
    throw new MigratorError('E_GENERATE', `drizzle-kit generate exited with code ${kit.code}`, { hint: 'fix what drizzle-kit reported above, then run `pnpm db:generate` again' });
  }
  if (kit.stderr.includes(NEEDS_TTY)) {
    throw new MigratorError('E_GENERATE_NEEDS_TTY', 'drizzle-kit generate needs a terminal to ask whether a column or table was renamed or is new, so it wrote no migration (and exited 0)', {
      hint:
        'run `pnpm db:generate` in a terminal and answer it (drizzle-kit 0.31 has no flag for it); without a terminal, split the change so nothing is ambiguous: ' +
        'add the new column or table and generate, then drop the old one and generate again (the expand/contract rename)',
    });
  }
  if (written > 0) return;
  const error = kit.stderr.split('\n').map((line) => line.trim()).find((line) => /error/i.test(line));
  if (error) {
    throw new MigratorError('E_GENERATE', `drizzle-kit generate failed and wrote no migration: ${error}`, { hint: 'fix what drizzle-kit reported above, then run `pnpm db:generate` again' });
  }
  if (kit.stdout !== undefined && !kit.stdout.includes(NO_CHANGES)) {
    throw new MigratorError('E_GENERATE', 'drizzle-kit generate wrote no migration and did not report the schema unchanged', {
      hint: 'read drizzle-kit\'s output above, or run `pnpm db:generate` in a terminal to see what it asks',
    });
  }
}

/**
 * Runs drizzle-kit. Its rename questions need a terminal on stdin and stdout, so with one it
 * gets ours; without one its report is passed on to stderr (stdout stays for sdk's result).
 * stderr is always read, and passed on as it comes.
 */
function run(bin: string, args: string[], cwd: string, out: Output): Promise<KitRun> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: [interactive ? 'inherit' : 'ignore', interactive ? 'inherit' : 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stderr.write(out.scrub(chunk.toString()));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(out.scrub(chunk.toString()));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 1 : 0), stdout: interactive ? undefined : stdout, stderr }));
  });
}
