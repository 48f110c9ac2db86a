import { resolve } from 'node:path';
import { migrationsFolder as defaultMigrationsFolder } from '@big0290/db-config/paths';
import { parseDatabaseUrl } from '@big0290/migrator/connect';
import { ConfigError } from '@big0290/migrator/errors';
import { givenDatabaseUrl, projectRoot, URL_SOURCE_NAME, type UrlSource } from './database-url.js';
import type { Output } from './output.js';

export interface TargetOptions {
  databaseUrl?: string | undefined;
  migrations?: string | undefined;
}

export interface Target {
  url: string;
  source: UrlSource | 'embedded';
  migrationsFolder: string;
  /** Stops what the target started (the embedded server); its data persists. */
  close: () => Promise<void>;
}

/**
 * Where a `sdk db` command points: `--database-url`, else `DATABASE_URL`, else `.env`, else the
 * embedded PostgreSQL; migrations from `--migrations`, else @big0290/db-config's folder.
 */
export async function resolveTarget(options: TargetOptions, out: Output): Promise<Target> {
  const migrationsFolder = options.migrations ? resolve(options.migrations) : defaultMigrationsFolder;
  const given = givenDatabaseUrl(options.databaseUrl);
  if (given) {
    out.addSecretsOf(given.url);
    checkUrl(given.url, URL_SOURCE_NAME[given.source]);
    return { ...given, migrationsFolder, close: async () => {} };
  }
  // Loaded only when needed: the embedded server's packages are not small.
  const { startEmbeddedDefault } = await import('./embedded.js');
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
