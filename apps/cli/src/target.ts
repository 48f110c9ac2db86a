import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { migrationsFolder as defaultMigrationsFolder } from '@big0290/db-config/paths';
import { passwordOf } from '@big0290/migrator';
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
  close: () => Promise<void>;
}

/** `DATABASE_URL` from a `.env` file in the current directory or the project root, if any. */
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
  const given: [string | undefined, Target['source']][] = [
    [options.databaseUrl, 'flag'],
    [process.env.DATABASE_URL, 'env'],
    [fromDotenv(), 'dotenv'],
  ];
  for (const [url, source] of given) {
    if (url) {
      out.addSecret(passwordOf(url));
      return { url, source, migrationsFolder, close: async () => {} };
    }
  }
  const embedded = await startEmbeddedDefault(projectRoot(), (line) => out.info(line));
  out.addSecret(passwordOf(embedded.url));
  return { url: embedded.url, source: 'embedded', migrationsFolder, close: embedded.stop };
}
