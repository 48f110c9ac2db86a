import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';

/** Where a database URL came from, in the words messages use. */
export type UrlSource = 'flag' | 'env' | 'dotenv';

export const URL_SOURCE_NAME: Record<UrlSource, string> = {
  flag: '--database-url',
  env: 'DATABASE_URL',
  dotenv: 'DATABASE_URL in .env',
};

/** The monorepo root (the folder holding pnpm-workspace.yaml), else `cwd`. */
export function projectRoot(cwd = process.cwd()): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

/**
 * `DATABASE_URL` from a `.env` file in the current directory, else the project root. Read with
 * dotenv's parser rather than `config()`: it never overrides the real environment and prints nothing.
 */
function fromDotenv(): string | undefined {
  for (const dir of new Set([process.cwd(), projectRoot()])) {
    const file = join(dir, '.env');
    if (existsSync(file)) {
      const url = parseDotenv(readFileSync(file)).DATABASE_URL;
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
  const given: [string | undefined, UrlSource][] = [
    [flag, 'flag'],
    [process.env.DATABASE_URL, 'env'],
    [fromDotenv(), 'dotenv'],
  ];
  for (const [url, source] of given) if (url) return { url, source };
  return undefined;
}
