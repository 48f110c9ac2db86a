import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, link, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import pg from 'pg';
import { ConfigError } from '@big0290/migrator/errors';

/** Name of the application database the embedded server creates on first use. */
export const EMBEDDED_DATABASE = 'app';
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_HOST = '127.0.0.1';
/** application_name of the idle connection each sdk process keeps while it uses the server. */
export const PRESENCE_APPLICATION = 'sdk (embedded default)';
const START_LOCK_FILE = 'start.lock';
/** How long to wait for another sdk process that is starting or stopping the server (initdb included). */
const START_LOCK_WAIT_MS = 120_000;

/** Where the embedded PostgreSQL of a project keeps its data and what sdk knows about it. */
export interface EmbeddedPaths {
  sdkDir: string;
  dataDir: string;
  /** Port, password, and whether `sdk db start` keeps the server running (0600). */
  stateFile: string;
  /** The password in libpq's passfile format (0600), for psql, node-postgres and drizzle-kit through PGPASSFILE. */
  passfile: string;
}

export function embeddedPaths(root: string): EmbeddedPaths {
  const sdkDir = join(root, '.sdk');
  return { sdkDir, dataDir: join(sdkDir, 'postgres'), stateFile: join(sdkDir, 'embedded.json'), passfile: join(sdkDir, 'pgpass') };
}

export interface EmbeddedState {
  port: number;
  password: string;
  /**
   * Set by `sdk db start`: the identity (pid and start time) of the server it keeps running.
   * A command never stops that server; a server started later (after a reboot) is not kept.
   */
  keptBy?: string;
}

export async function readState(file: string): Promise<EmbeddedState | undefined> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddedState>;
    if (typeof state.port === 'number' && typeof state.password === 'string') return state as EmbeddedState;
  } catch {
    // First run, or an unreadable file: the caller decides whether that is fine.
  }
  return undefined;
}

/** The state and the passfile hold the server's password: readable by their owner only. */
export async function saveState(paths: EmbeddedPaths, state: EmbeddedState): Promise<void> {
  await writePrivate(paths.stateFile, JSON.stringify(state));
  await writePasswordFile(paths, state);
}

/**
 * `.sdk/pgpass` in libpq's format (https://www.postgresql.org/docs/current/libpq-pgpass.html), so
 * tools connect with a URL that holds no password. Rewritten when the port moves.
 */
export async function writePasswordFile(paths: EmbeddedPaths, state: EmbeddedState): Promise<void> {
  const text = ['127.0.0.1', 'localhost'].map((host) => `${host}:${state.port}:*:${EMBEDDED_USER}:${state.password}\n`).join('');
  if (existsSync(paths.passfile) && readFileSync(paths.passfile, 'utf8') === text) return;
  await writePrivate(paths.passfile, text);
}

async function writePrivate(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** The running server's identity, `pid@start time` from postmaster.pid; undefined when none runs. */
export function serverIdentity(dataDir: string): string | undefined {
  try {
    const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    return lines[0] && lines[2] ? `${lines[0].trim()}@${lines[2].trim()}` : undefined;
  } catch {
    return undefined;
  }
}

/** True when the running server is the one `sdk db start` keeps running. */
export async function isKept(paths: EmbeddedPaths): Promise<boolean> {
  const state = await readState(paths.stateFile);
  return state?.keptBy !== undefined && state.keptBy === serverIdentity(paths.dataDir);
}

/** How long a server whose postmaster is alive may take to answer (a busy machine) before sdk gives up on it. */
const ANSWER_WAIT_MS = 10_000;

/**
 * True when the server of `state` runs and accepts its password. A live postmaster that does not
 * answer at once (still starting, or a busy machine) is given a few seconds: starting a second
 * server on the same data would fail.
 */
export async function isRunning(paths: EmbeddedPaths, state: EmbeddedState | undefined): Promise<boolean> {
  if (state === undefined || !postmasterAlive(paths.dataDir)) return false;
  return waitUntil(() => answers(adminUrl(state)), ANSWER_WAIT_MS);
}

/** True when postmaster.pid names a live process (a file left by a crash or a reboot does not). */
export function postmasterAlive(dataDir: string): boolean {
  const pid = Number(serverIdentity(dataDir)?.split('@')[0]);
  return Number.isSafeInteger(pid) && pid > 0 && processAlive(pid);
}

export function adminUrl(state: EmbeddedState): string {
  return `postgres://${EMBEDDED_USER}:${state.password}@${EMBEDDED_HOST}:${state.port}/postgres`;
}

/** The application database's URL with its password: only for this process and its children's environment. */
export function appUrl(state: EmbeddedState): string {
  return `postgres://${EMBEDDED_USER}:${state.password}@${EMBEDDED_HOST}:${state.port}/${EMBEDDED_DATABASE}`;
}

/** The URL sdk prints: no password (it is in the passfile). */
export function publicUrl(port: number): string {
  return `postgres://${EMBEDDED_USER}@${EMBEDDED_HOST}:${port}/${EMBEDDED_DATABASE}`;
}

export function display(path: string): string {
  return relative(process.cwd(), path) || path;
}

/**
 * Runs `fn` while holding `.sdk/start.lock` (created exclusively, holding our pid), so two sdk
 * processes never initialise, start or stop the same server at once. A lock whose process is
 * gone (killed sdk) is taken over.
 */
export async function withStartLock<T>(sdkDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(sdkDir, START_LOCK_FILE);
  const deadline = Date.now() + START_LOCK_WAIT_MS;
  // The lock file appears with our pid already in it: written to a file of our own first, then
  // hard-linked into place (link fails if the lock exists). Created and then written, another
  // process could read it empty in between, take it for a dead holder's and remove it: both
  // would then start or stop the server at once (issue 10, item 12).
  const mine = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(mine, String(process.pid));
  try {
    for (;;) {
      try {
        await link(mine, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
        if (holder && !processAlive(holder)) {
          await rm(lock, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new ConfigError(`another sdk process (pid ${holder || 'unknown'}) has been starting or stopping the embedded PostgreSQL in ${display(sdkDir)} for ${START_LOCK_WAIT_MS / 1000} s`, {
            hint: holder ? `wait for it to finish, or end it (kill ${holder}) and run the command again` : `wait for it to finish, or remove ${display(lock)} and run the command again`,
          });
        }
        await sleep(200);
      }
    }
  } finally {
    await rm(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, otherwise: T): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } catch {
    return otherwise;
  } finally {
    await client.end().catch(() => {});
  }
}

export function answers(url: string): Promise<boolean> {
  return withClient(url, async () => true, false);
}

/**
 * True when no other client is connected, or the server is gone. A server that runs but does not
 * answer (a busy machine) is not taken for alone: stopping it could cut off another command.
 */
export function alone(url: string, dataDir: string): Promise<boolean> {
  return withClient(
    url,
    async (client) => {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
      return rows[0]?.n === 0;
    },
    !postmasterAlive(dataDir),
  );
}

/** How many other sdk commands are using the server right now (their presence connections). */
export function sdkCommandsConnected(url: string): Promise<number> {
  return withClient(
    url,
    async (client) => {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [PRESENCE_APPLICATION]);
      return rows[0]?.n ?? 0;
    },
    0,
  );
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, EMBEDDED_HOST, () => srv.close(() => resolve(true)));
  });
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
