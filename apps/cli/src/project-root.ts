import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The project root alone, without the config loaders of project.ts: `sdk db lint`'s replay
// (lint-replay.ts) finds its records from here before anything else loads.

/**
 * The config files sdk reads, in the project root. `.mjs`, `.js` and `.json` load on every
 * supported Node; `.ts` is imported as it is, which Node does from 22.18 on (type stripping).
 */
export const CONFIG_FILES = ['sdk.config.ts', 'sdk.config.mjs', 'sdk.config.js', 'sdk.config.json'] as const;
/** The key of package.json that holds the same object. */
export const PACKAGE_JSON_KEY = 'sdk';

/**
 * The project root: the nearest folder, from `cwd` up, that holds an sdk config (a file of
 * CONFIG_FILES, or a package.json with an "sdk" key) or pnpm-workspace.yaml; else `cwd`.
 * `.env`, `.sdk/` (the embedded PostgreSQL, backups) and the config's paths are found there.
 */
export function projectRoot(cwd = process.cwd()): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (hasConfig(dir) || existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

/** Whether `dir` holds an sdk config: a file of CONFIG_FILES, or a package.json with an "sdk" key. */
function hasConfig(dir: string): boolean {
  if (CONFIG_FILES.some((name) => existsSync(join(dir, name)))) return true;
  const pkg = readPackageJson(dir);
  return typeof pkg === 'object' && pkg !== null && PACKAGE_JSON_KEY in pkg;
}

/** package.json of `dir`, or undefined when there is none or it is not JSON (pnpm reports that itself). */
export function readPackageJson(dir: string): unknown {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
