import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** Creates a typed Drizzle client on its own connection pool. Close it with `db.$client.end()`. */
export function createDb(url: string, poolConfig: Omit<pg.PoolConfig, 'connectionString'> = {}): Database {
  const pool = new pg.Pool({ connectionString: url, ...poolConfig });
  return drizzle(pool, { schema });
}

let lazy: Database | undefined;

/**
 * `DATABASE_URL` from the environment, else from `.env` in the current directory. The file is
 * parsed, not loaded: the first query of a library must not add the application's other `.env`
 * settings (secrets included) to `process.env`, where every child process would inherit them.
 */
function resolveUrl(): string {
  const file = join(process.cwd(), '.env');
  const url = process.env.DATABASE_URL || (existsSync(file) ? parseDotenv(readFileSync(file)).DATABASE_URL : undefined);
  if (!url) {
    throw new Error('DATABASE_URL is not set: export it or add it to .env (see .env.example), then retry.');
  }
  return url;
}

/**
 * The application's client, created on first use from `DATABASE_URL` (environment, else `.env`
 * in the current directory; `process.env` is left as it is). Importing this module opens no
 * connection.
 */
export const db: Database = new Proxy({} as Database, {
  get(_target, property) {
    lazy ??= createDb(resolveUrl());
    const value = Reflect.get(lazy, property, lazy) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(lazy) : value;
  },
});
