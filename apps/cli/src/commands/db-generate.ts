import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '@big0290/db-config/paths';
import { MigratorError } from '@big0290/migrator/errors';
import type { Output } from '../output.js';
import type { LintFlags } from '../program.js';
import { dbLint } from './db-lint.js';

export interface GenerateFlags extends LintFlags {
  config?: string;
  name?: string;
  custom?: boolean;
}

/**
 * `sdk db generate` (`pnpm db:generate`): runs `drizzle-kit generate`, then lints the migration
 * files it wrote (with the folder's earlier migrations as history), so the review the guide asks
 * for happens before the files are committed. Exit 1 when drizzle-kit fails or a lint error remains.
 */
export async function dbGenerate(options: GenerateFlags, out: Output): Promise<number> {
  const config = options.config ? resolve(options.config) : join(packageRoot, 'drizzle.config.ts');
  if (!existsSync(config)) {
    throw new MigratorError('E_CONFIG', `${options.config ?? config}: no such drizzle config`, { hint: 'pass --config with the path of drizzle.config.ts' });
  }
  const cwd = dirname(config);
  const folder = options.migrations ? resolve(options.migrations) : migrationsFolderOf(config);
  const before = snapshot(folder);
  const args = ['generate', '--config', config];
  if (options.name) args.push('--name', options.name);
  if (options.custom) args.push('--custom');
  const code = await run(drizzleKitBin(cwd), args, cwd);
  if (code !== 0) {
    throw new MigratorError('E_GENERATE', `drizzle-kit generate exited with code ${code}`, { hint: 'fix what drizzle-kit reported above, then run `pnpm db:generate` again' });
  }
  const after = snapshot(folder);
  const written = [...after].filter(([file, hash]) => before.get(file) !== hash).map(([file]) => file).sort();
  if (written.length === 0) {
    out.info('drizzle-kit wrote no migration file: nothing to lint.');
    return 0;
  }
  out.info(`Linting what drizzle-kit wrote: ${written.map((f) => relative(process.cwd(), f)).join(', ')}`);
  const code2 = await dbLint(written, options, out);
  if (code2 !== 0 && !out.json) {
    out.info('Review the errors above before committing: each help line shows the safe statement or the expand/contract steps; edit the generated SQL (drizzle-kit does not regenerate it) or split it with `pnpm db:generate --custom`.');
  }
  return code2;
}

/** The `out` folder the config names (drizzle-kit's default is ./drizzle), without loading the TypeScript config. */
function migrationsFolderOf(config: string): string {
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

/** drizzle-kit as installed for the config's package, else for @big0290/db-config. */
function drizzleKitBin(cwd: string): string {
  let lastError: unknown;
  for (const from of new Set([cwd, packageRoot])) {
    try {
      // drizzle-kit's exports map hides bin.cjs; it sits beside the main entry.
      return join(dirname(createRequire(join(from, 'package.json')).resolve('drizzle-kit')), 'bin.cjs');
    } catch (error) {
      lastError = error;
    }
  }
  throw new MigratorError('E_CONFIG', `drizzle-kit is not installed where ${relative(process.cwd(), cwd) || '.'} can load it`, {
    cause: lastError,
    hint: 'add it to the package that holds drizzle.config.ts: `pnpm add -D drizzle-kit`',
  });
}

function run(bin: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    // drizzle-kit prints its own progress and questions (rename or new column?): give it the terminal.
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}
