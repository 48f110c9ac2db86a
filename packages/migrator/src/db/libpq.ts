import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseDatabaseUrl } from './connect.js';

/**
 * How a libpq client tool (pg_dump, pg_restore, psql) is pointed at a database without a secret
 * on its command line, where any user on the machine can read it in the process list
 * (`/proc/<pid>/cmdline`): the connection string loses its password, which goes to the child
 * through PGPASSWORD instead, and its `sslpassword`, which goes through a private connection
 * service file.
 */
export interface LibpqTarget {
  /** For `--dbname=`: the URL with no secret in it. */
  dbname: string;
  /** The environment for the child: PGPASSWORD when the URL had a password, PGAPPNAME, PGSERVICEFILE with an sslpassword. */
  env: NodeJS.ProcessEnv;
  /** Removes the service file written for an `sslpassword` (if any); call once the tool has exited. Safe to call twice. */
  dispose(): void;
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

/** The connection service the tools are pointed at when the URL has an `sslpassword`. */
export const SSLPASSWORD_SERVICE = 'sdk';

/**
 * The URL in libpq's words, for a child tool. Parameters are translated by their exact name:
 * `password` becomes PGPASSWORD; `sslpassword` (the passphrase of the client key, not the login
 * password) stays a libpq parameter, passed through a service file (see `sslpasswordService`).
 */
export function libpqTarget(url: string, applicationName: string, base: NodeJS.ProcessEnv = process.env): LibpqTarget {
  const u = parseDatabaseUrl(url);
  const env: NodeJS.ProcessEnv = { ...base, PGAPPNAME: applicationName };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  const params = u.searchParams;
  // libpq's URI parser lets a query parameter override the user-info part, as here.
  const password = params.get('password');
  if (password !== null) env.PGPASSWORD = password;
  params.delete('password');
  const sslpassword = params.get('sslpassword');
  params.delete('sslpassword');
  // node-postgres spellings, in libpq's words: TLS stays on (without certificate checks where
  // node-postgres skipped them), or off.
  const ssl = params.get('ssl');
  if (ssl !== null) {
    params.delete('ssl');
    if (!params.has('sslmode')) params.set('sslmode', /^(true|1|require)$/i.test(ssl) ? 'require' : 'disable');
  }
  if (params.get('sslmode') === 'no-verify') params.set('sslmode', 'require');
  for (const key of [...params.keys()]) if (!LIBPQ_PARAMETERS.has(key)) params.delete(key);
  let dispose = () => {};
  if (sslpassword !== null) {
    const service = sslpasswordService(sslpassword, params.has('service'));
    params.set('service', SSLPASSWORD_SERVICE);
    env.PGSERVICEFILE = service.file;
    dispose = service.dispose;
  }
  return { dbname: u.toString(), env, dispose };
}

/** Service files not yet disposed of, removed when the process exits in any case. */
const written = new Set<string>();
let removeOnExit = false;

/**
 * libpq has no environment variable for `sslpassword` (https://www.postgresql.org/docs/current/libpq-envars.html
 * lists none), and on the command line it would be readable by every user. What remains is a
 * connection service file (https://www.postgresql.org/docs/current/libpq-pgservice.html): a
 * `[sdk]` section holding `sslpassword=...`, in a folder of its own made 0700 with the file 0600,
 * named by PGSERVICEFILE in the child's environment and selected by `service=sdk` in its URL.
 * A URL parameter wins over the service file, so nothing else in the URL changes meaning. The
 * file exists only while the tool runs.
 *
 * libpq reads a service line as `key=value` with the surrounding blanks trimmed and no escapes,
 * in a 256-byte buffer up to PostgreSQL 15: a passphrase it could not read back exactly is refused
 * rather than changed. A URL that names its own `service=` is refused too: pointing PGSERVICEFILE
 * at this file would hide the user's service.
 */
function sslpasswordService(sslpassword: string, hasService: boolean): { file: string; dispose: () => void } {
  const hint = 'put sslpassword in your own connection service file (pg_service.conf) and name it with service= instead, or decrypt the client key into a file only you can read';
  if (hasService) throw new ConfigError('the database URL has both service= and sslpassword=, which the PostgreSQL client tools cannot be given without putting the passphrase on their command line', { hint });
  if (/[\r\n\0]/.test(sslpassword) || /^\s|\s$/.test(sslpassword) || Buffer.byteLength(sslpassword) > 240) {
    throw new ConfigError('the sslpassword in the database URL has a line break, leading or trailing blanks, or more than 240 bytes: libpq could not read it back from a service file', { hint });
  }
  const dir = mkdtempSync(join(tmpdir(), 'sdk-libpq-'));
  const file = join(dir, 'pg_service.conf');
  writeFileSync(file, `# sslpassword for one sdk child process; removed when it exits\n[${SSLPASSWORD_SERVICE}]\nsslpassword=${sslpassword}\n`, { mode: 0o600, flag: 'wx' });
  written.add(dir);
  if (!removeOnExit) {
    removeOnExit = true;
    process.once('exit', removeAll);
  }
  return {
    file,
    dispose: () => {
      if (written.delete(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function removeAll(): void {
  for (const dir of written) rmSync(dir, { recursive: true, force: true });
  written.clear();
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
