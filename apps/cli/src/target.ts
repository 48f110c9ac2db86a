import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { migrationsFolder as defaultMigrationsFolder } from '@big0290/db-config/paths';
import { ConfigError, parseDatabaseUrl } from '@big0290/migrator';
import { projectRoot, startEmbeddedDefault } from './embedded.js';
import type { Output } from './output.js';

export interface TargetOptions {
  databaseUrl?: string | undefined;
  migrations?: string | undefined;
}

export interface Target {
  url: string;
  source: 'flag' | 'env' | 'dotenv' | 'embedded';
  migrationsFolder: string;
  /** Stops what the target started (the embedded server); its data persists. */
  close: () => Promise<void>;
}

/** How each source is named in messages. */
const SOURCE_NAME: Record<Exclude<Target['source'], 'embedded'>, string> = {
  flag: '--database-url',
  env: 'DATABASE_URL',
  dotenv: 'DATABASE_URL in .env',
};

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
 * Where a `sdk db` command points: `--database-url`, else `DATABASE_URL`, else `.env`, else the
 * embedded PostgreSQL; migrations from `--migrations`, else @big0290/db-config's folder.
 */
export async function resolveTarget(options: TargetOptions, out: Output): Promise<Target> {
  const migrationsFolder = options.migrations ? resolve(options.migrations) : defaultMigrationsFolder;
  const given: [string | undefined, Exclude<Target['source'], 'embedded'>][] = [
    [options.databaseUrl, 'flag'],
    [process.env.DATABASE_URL, 'env'],
    [fromDotenv(), 'dotenv'],
  ];
  for (const [url, source] of given) {
    if (url) {
      out.addSecretsOf(url);
      checkUrl(url, SOURCE_NAME[source]);
      return { url, source, migrationsFolder, close: async () => {} };
    }
  }
  const embedded = await startEmbeddedDefault(projectRoot(), {
    notice: (line) => out.info(line),
    secret: (password) => out.addSecret(password),
  });
  return { url: embedded.url, source: 'embedded', migrationsFolder, close: embedded.stop };
}

/** Rejects a malformed URL up front, naming where it came from and never echoing it (it may hold a password). */
function checkUrl(url: string, name: string): void {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.message.replace(/^the database URL/, name), { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
  }
}
