import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Environment variable through which the global setup hands the server URL to test files. */
export const ADMIN_URL_ENV = 'SDK_TEST_ADMIN_URL';

export interface TestDatabase {
  /** URL of the fresh database (credentials included: for tests only). */
  readonly url: string;
  readonly name: string;
  /** Superuser URL of the server's `postgres` database. */
  readonly adminUrl: string;
  /** A pool on the fresh database, closed by `drop()`. */
  readonly pool: pg.Pool;
  /** Terminates sessions and drops the database. */
  drop(): Promise<void>;
}

export function adminUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env[ADMIN_URL_ENV] ?? env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      `No test PostgreSQL: ${ADMIN_URL_ENV} is not set. Add "@big0290/testing/global-setup" to vitest's globalSetup, or set TEST_DATABASE_URL.`,
    );
  }
  return url;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Creates a fresh, uniquely named database on the test server. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const adminUrl = adminUrlFromEnv();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  return {
    url,
    name,
    adminUrl,
    pool,
    drop: async () => {
      await pool.end().catch(() => {});
      await dropDatabase(adminUrl, name);
    },
  };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
}
