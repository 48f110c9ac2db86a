import { parseDatabaseUrl } from './connect.js';

/**
 * How a libpq client tool (pg_dump, pg_restore, psql) is pointed at a database without the
 * password on its command line, where any user on the machine can read it in the process list:
 * the connection string loses its password, which goes to the child through PGPASSWORD instead.
 */
export interface LibpqTarget {
  /** For `--dbname=`: the URL with no password in it. */
  dbname: string;
  /** The environment for the child: PGPASSWORD when the URL had a password, PGAPPNAME. */
  env: NodeJS.ProcessEnv;
}

export function libpqTarget(url: string, applicationName: string, base: NodeJS.ProcessEnv = process.env): LibpqTarget {
  const u = parseDatabaseUrl(url);
  const env: NodeJS.ProcessEnv = { ...base, PGAPPNAME: applicationName };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  for (const key of [...u.searchParams.keys()]) {
    if (/pass/i.test(key)) {
      env.PGPASSWORD = u.searchParams.get(key) ?? '';
      u.searchParams.delete(key);
    }
  }
  return { dbname: u.toString(), env };
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The database a URL names (libpq's default: the user name). */
export function databaseOf(url: string): string {
  const u = parseDatabaseUrl(url);
  return decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres';
}
