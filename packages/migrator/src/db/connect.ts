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
 * Opens one client and turns the ways a connection fails into one-line errors that name the
 * target with its password redacted.
 */
export async function connect(url: string, options: { applicationName?: string; timeoutMs?: number } = {}): Promise<pg.Client> {
  const parsed = parseDatabaseUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'sdk',
  });
  // An error after connect (server restart, terminated backend) must not crash the process:
  // the pending query rejects and the caller handles it there.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw connectionError(error, parsed, url);
  }
  return client;
}

export function connectionError(error: unknown, parsed: URL, url: string): ConnectionError {
  const target = redactUrl(url);
  const e = error as { code?: string; message?: string };
  const user = decodeURIComponent(parsed.username || 'postgres');
  const database = decodeURIComponent(parsed.pathname.slice(1) || user);
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`cannot connect to ${target}: connection refused (is PostgreSQL running and listening on ${parsed.hostname}:${parsed.port || 5432}?)`, {
        cause: error,
        hint: 'start the server or fix host/port in DATABASE_URL; unset DATABASE_URL to use the embedded PostgreSQL',
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`cannot connect to ${target}: host ${parsed.hostname} not found`, {
        cause: error,
        hint: 'check the host name in DATABASE_URL',
      });
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectionError(`cannot connect to ${target}: ${parsed.hostname} did not answer`, {
        cause: error,
        hint: 'check the host, port, firewall or VPN, then retry',
      });
    case '28P01':
    case '28000':
      return new ConnectionError(`authentication failed for user ${user} at ${target}`, {
        cause: error,
        hint: 'check the user and password in DATABASE_URL (and pg_hba.conf on the server)',
      });
    case '3D000':
      return new ConnectionError(`database ${database} does not exist on ${target}`, {
        cause: error,
        hint: `create it first (createdb ${database}, or CREATE DATABASE "${database}"), or fix the database name in DATABASE_URL`,
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
