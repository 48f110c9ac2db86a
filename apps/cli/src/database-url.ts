import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from './project.js';

/** Where a database URL came from, in the words messages use. */
export type UrlSource = 'flag' | 'env' | 'dotenv';

export const URL_SOURCE_NAME: Record<UrlSource, string> = {
  flag: '--database-url',
  env: 'DATABASE_URL',
  dotenv: 'DATABASE_URL in .env',
};

/** The `.env` files DATABASE_URL is looked for in, in order: the current directory's, the project root's. */
export function dotenvFiles(): string[] {
  return [...new Set([process.cwd(), projectRoot()])].map((dir) => join(dir, '.env'));
}

/**
 * `DATABASE_URL` from a `.env` file in the current directory, else the project root. Read with
 * dotenv's parser rather than `config()`: it never overrides the real environment and prints nothing.
 */
function fromDotenv(): string | undefined {
  for (const file of dotenvFiles()) {
    if (existsSync(file)) {
      // dotenv is loaded only when there is a .env to read: every command starts faster without one.
      const { parse } = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
      const url = parse(readFileSync(file)).DATABASE_URL;
      if (url) return url;
    }
  }
  return undefined;
}

/**
 * The database URL the user gave: `--database-url`, else `DATABASE_URL`, else `.env`. Undefined
 * when none is given (the commands that need a database then start the embedded one). Cheap: no
 * database driver is loaded, so `sdk db lint` stays fast.
 */
export function givenDatabaseUrl(flag: string | undefined): { url: string; source: UrlSource } | undefined {
  if (flag) return { url: flag, source: 'flag' };
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, source: 'env' };
  const fromFile = fromDotenv();
  return fromFile ? { url: fromFile, source: 'dotenv' } : undefined;
}
