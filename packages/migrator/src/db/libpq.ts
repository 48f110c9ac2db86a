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

/**
 * The query parameters libpq accepts in a connection URI (PostgreSQL 18's list). node-postgres
 * accepts others (`ssl=true`, `sslmode=no-verify`, and ignores unknown ones such as `schema=`);
 * libpq refuses the whole URI for any of them.
 */
const LIBPQ_PARAMETERS = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'passfile', 'require_auth', 'channel_binding', 'connect_timeout',
  'client_encoding', 'options', 'application_name', 'fallback_application_name', 'keepalives', 'keepalives_idle',
  'keepalives_interval', 'keepalives_count', 'tcp_user_timeout', 'replication', 'gssencmode', 'sslmode', 'requiressl',
  'sslnegotiation', 'sslcompression', 'sslcert', 'sslkey', 'sslkeylogfile', 'sslpassword', 'sslcertmode', 'sslrootcert', 'sslcrl', 'sslcrldir',
  'sslsni', 'requirepeer', 'ssl_min_protocol_version', 'ssl_max_protocol_version', 'min_protocol_version', 'max_protocol_version',
  'krbsrvname', 'gsslib', 'gssdelegation', 'service', 'target_session_attrs', 'load_balance_hosts',
]);

export function libpqTarget(url: string, applicationName: string, base: NodeJS.ProcessEnv = process.env): LibpqTarget {
  const u = parseDatabaseUrl(url);
  const env: NodeJS.ProcessEnv = { ...base, PGAPPNAME: applicationName };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  const params = u.searchParams;
  for (const key of [...params.keys()]) {
    if (/pass/i.test(key)) {
      env.PGPASSWORD = params.get(key) ?? '';
      params.delete(key);
    }
  }
  // node-postgres spellings, in libpq's words: TLS stays on (without certificate checks where
  // node-postgres skipped them), or off.
  const ssl = params.get('ssl');
  if (ssl !== null) {
    params.delete('ssl');
    if (!params.has('sslmode')) params.set('sslmode', /^(true|1|require)$/i.test(ssl) ? 'require' : 'disable');
  }
  if (params.get('sslmode') === 'no-verify') params.set('sslmode', 'require');
  for (const key of [...params.keys()]) if (!LIBPQ_PARAMETERS.has(key)) params.delete(key);
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
