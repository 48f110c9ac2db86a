import pg from 'pg';
import { ConfigError, ConnectionError } from '../errors.js';
import { redactUrl } from '../util/redact.js';

/** How long to wait for a TCP connection and authentication before giving up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Checks that a connection string is a postgres:// URL without echoing it (it may hold a password). */
export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself is not echoed: it may hold a password.
    throw new ConfigError('the database URL is not a valid postgres:// URL', {
      hint: 'use the form postgres://HOST:5432/DATABASE with USER:PASSWORD@ before the host (percent-encode special characters)',
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`the database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`, {
      hint: 'use the form postgres://HOST:5432/DATABASE with USER:PASSWORD@ before the host',
    });
  }
  return parsed;
}

/**
 * The connect timeout a connection string asks for: libpq's `connect_timeout` (seconds, as psql
 * and pg_dump read it), or undefined when absent or 0 (libpq's "wait forever" is not honoured:
 * an unreachable host would hang the command).
 */
export function connectTimeoutOf(parsed: URL): number | undefined {
  const seconds = Number(parsed.searchParams.get('connect_timeout') ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined;
}

/** How far a connection attempt got, to say what went wrong when the driver only says "Connection terminated unexpectedly". */
export interface ConnectAttempt {
  /** Where pg connected: the host (or socket directory) and port it resolved from the URL. */
  host: string;
  port: number;
  timeoutMs: number;
  /** The TCP connection was made: something on that port answered (the server, or a proxy or firewall in between). */
  tcpConnected: boolean;
  /** The connect timeout ended the attempt. */
  timedOut: boolean;
}

/**
 * Opens one client and turns the ways a connection fails into one-line errors that name the
 * target with its password redacted. The timeout is `options.timeoutMs`, else the URL's
 * `connect_timeout`, else DEFAULT_CONNECT_TIMEOUT_MS.
 */
export async function connect(url: string, options: { applicationName?: string; timeoutMs?: number } = {}): Promise<pg.Client> {
  const parsed = parseDatabaseUrl(url);
  const timeoutMs = options.timeoutMs ?? connectTimeoutOf(parsed) ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // No connectionTimeoutMillis: when pg's own timer fires it reports "Connection terminated
  // unexpectedly", the words of a server that hangs up. This timer knows it was the timeout, and
  // whether anything had answered at all (a blackholed address answers nothing).
  const client = new pg.Client({ connectionString: url, application_name: options.applicationName ?? 'sdk' });
  // An error after connect (server restart, terminated backend) must not crash the process:
  // the pending query rejects and the caller handles it there.
  client.on('error', () => {});
  const attempt: ConnectAttempt = { host: client.host, port: client.port, timeoutMs, tcpConnected: false, timedOut: false };
  client.connection.once('connect', () => {
    attempt.tcpConnected = true;
  });
  const timer = setTimeout(() => {
    attempt.timedOut = true;
    client.connection.stream.destroy();
  }, timeoutMs);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw connectionError(error, parsed, url, attempt);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

export function connectionError(error: unknown, parsed: URL, url: string, attempt?: ConnectAttempt): ConnectionError {
  const target = redactUrl(url);
  const e = error as { code?: string; message?: string };
  const user = decodeURIComponent(parsed.username || 'postgres');
  const database = decodeURIComponent(parsed.pathname.slice(1) || user);
  const host = attempt?.host || parsed.hostname || 'localhost';
  const port = attempt?.port || parsed.port || 5432;
  const where = host.startsWith('/') ? `the socket ${host}/.s.PGSQL.${port}` : `${host}:${port}`;
  const longer = 'a server that is only slow to answer needs a longer wait: add ?connect_timeout=SECONDS to the database URL';
  if (attempt?.timedOut) {
    const seconds = `${Number((attempt.timeoutMs / 1000).toFixed(1))} s`;
    return attempt.tcpConnected
      ? new ConnectionError(`cannot connect to ${target}: ${where} accepted the connection but no PostgreSQL server answered within ${seconds} (the connect timeout)`, {
          cause: error,
          hint: `check that ${where} is PostgreSQL's port (not a proxy or another service) and that the server is not overloaded, then retry; ${longer}`,
        })
      : new ConnectionError(`cannot connect to ${target}: nothing answered at ${where} within ${seconds} (the connect timeout)`, {
          cause: error,
          hint: `check the host and port in the database URL, and that no firewall, security group or VPN drops traffic from this machine to ${where}; ${longer}`,
        });
  }
  // The driver's words for a peer that hung up before PostgreSQL said anything: not a
  // PostgreSQL server (which answers with an error, e.g. too many clients), but a proxy or a
  // firewall that accepted the connection for a host it cannot reach, or another service.
  if (attempt?.tcpConnected && !e.code && /terminated unexpectedly/i.test(e.message ?? '')) {
    return new ConnectionError(`cannot connect to ${target}: ${where} accepted the connection and closed it without a PostgreSQL answer`, {
      cause: error,
      hint: `check the host and port in the database URL; a proxy, VPN or firewall between this machine and ${host} may accept connections it cannot complete`,
    });
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`cannot connect to ${target}: connection refused (is PostgreSQL running and listening on ${parsed.hostname}:${parsed.port || 5432}?)`, {
        cause: error,
        hint: 'start the server or fix host/port in the database URL',
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`cannot connect to ${target}: host ${parsed.hostname} not found`, {
        cause: error,
        hint: 'check the host name in the database URL',
      });
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectionError(`cannot connect to ${target}: ${where} did not answer (${e.code})`, {
        cause: error,
        hint: 'check the host, port, firewall or VPN, then retry',
      });
    case '28P01':
    case '28000':
      return new ConnectionError(`authentication failed for user ${user} at ${target}`, {
        cause: error,
        hint: 'check the user and password in the database URL (and pg_hba.conf on the server)',
      });
    case '3D000':
      return new ConnectionError(`database ${database} does not exist on ${target}`, {
        cause: error,
        hint: `create it first (createdb ${database}, or CREATE DATABASE "${database}"), or fix the database name in the database URL`,
      });
    default:
      if (/timeout/i.test(e.message ?? '')) {
        return new ConnectionError(`cannot connect to ${target}: timed out`, {
          cause: error,
          hint: 'check the host, port, firewall or VPN, then retry',
        });
      }
      return new ConnectionError(`cannot connect to ${target}: ${sanitize(e.message ?? String(error), url)}`, { cause: error });
  }
}

function sanitize(message: string, url: string): string {
  const password = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  })();
  return password ? message.split(password).join('****') : message;
}

/** `server_version_num` as a number (e.g. 150004). */
export async function serverVersionNum(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ v: string }>('SELECT current_setting(\'server_version_num\') AS v');
  return Number(rows[0]?.v ?? 0);
}
