import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { connect } from '../db/connect.js';
import { libpqTarget } from '../db/libpq.js';
import { MigratorError } from '../errors.js';
import { DEFAULT_BACKUP_LOCK_TIMEOUT_MS } from '../db/defaults.js';
import { readApplied } from '../db/metadata.js';
import { redactUrl } from '../util/redact.js';
import { dumpedTables, exactCounts, serverIdentity } from './catalog.js';
import {
  checksum,
  fsyncPath,
  makePrivate,
  MANIFEST_KIND,
  MANIFEST_VERSION,
  manifestPathOf,
  PARTIAL_SUFFIX,
  writeManifest,
  type ArchiveFormat,
  type Manifest,
} from './manifest.js';
import { DUMP_LINE, failureOf, interrupted, runTool, TableProgress, type BackupProgress, type TableSize } from './process.js';
import { pickPgTool, probePgTools } from './tools.js';

export interface BackupOptions {
  databaseUrl: string;
  /** Where backups go when `output` is not given; created 0700. */
  backupDir: string;
  /** The archive's path; default `<backupDir>/pre-migration-<database>-<UTC YYYYMMDD-HHMMSS>.dump`. */
  output?: string | undefined;
  format?: ArchiveFormat;
  /** Parallel dump workers (directory format only). */
  jobs?: number | undefined;
  pgBinDir?: string | undefined;
  onProgress?: (progress: BackupProgress) => void;
  /**
   * How long pg_dump (and the row counts) may wait for a table's lock (ms) before the backup fails,
   * instead of queueing behind a migration or a long ALTER; default 30 s, 0 waits forever.
   */
  lockTimeoutMs?: number;
  /** Stops pg_dump and cleans up (Ctrl-C): the backup fails with E_INTERRUPTED and leaves nothing. */
  signal?: AbortSignal;
  /** Called once pg_dump is running, with its pid. */
  onDumpStarted?: (pid: number) => void;
  now?: () => Date;
}

export interface BackupResult {
  path: string;
  manifestPath: string;
  manifest: Manifest;
}

/** `20261125-230102` in UTC, as in the guide's `pre-migration-YYYYMMDD-HHMMSS`. */
export function backupStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** A database name made safe for a file name. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'db';
}

const exists = (path: string) => stat(path).then(() => true, () => false);

async function chooseOutput(options: BackupOptions, database: string, started: Date, format: ArchiveFormat): Promise<string> {
  if (options.output) {
    const path = resolve(options.output);
    if (await exists(path)) {
      throw new MigratorError('E_BACKUP_EXISTS', `${path} already exists: a backup never overwrites a file`, { hint: 'choose another `output`, or leave it out for a timestamped name in the backup folder' });
    }
    if (await exists(manifestPathOf(path))) {
      throw new MigratorError('E_BACKUP_EXISTS', `${manifestPathOf(path)} already exists: a backup never overwrites a manifest`, { hint: 'choose another `output`' });
    }
    return path;
  }
  const base = join(resolve(options.backupDir), `pre-migration-${fileSafe(database)}-${backupStamp(started)}`);
  const ext = format === 'custom' ? '.dump' : '';
  for (let n = 1; ; n++) {
    const path = n === 1 ? `${base}${ext}` : `${base}-${n}${ext}`;
    if (!(await exists(path)) && !(await exists(`${path}${PARTIAL_SUFFIX}`))) return path;
  }
}

/**
 * Backs a database up with the real pg_dump, and proves what it wrote:
 *
 * - One snapshot: a REPEATABLE READ transaction exports its snapshot, pg_dump dumps exactly that
 *   snapshot (`--snapshot`), and the exact row counts and applied migrations in the manifest
 *   are read in it too, so they describe the archive, not a moment later.
 * - Written under `<path>.partial` and renamed only when pg_dump succeeded, then hashed: a
 *   killed pg_dump, a full disk or any failure leaves no file under the backup's name.
 * - The manifest (`<path>.manifest.json`: sha256, size, versions, migrations, row counts) is
 *   written last, under a temporary name then renamed; files 0600, folders 0700.
 * - The password reaches pg_dump through PGPASSWORD, never its arguments.
 */
export async function backup(options: BackupOptions): Promise<BackupResult> {
  const format = options.format ?? 'custom';
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new MigratorError('E_CONFIG', `\`jobs\` must be a whole number of at least 1, not ${options.jobs}`);
  if (jobs > 1 && format !== 'directory') {
    throw new MigratorError('E_CONFIG', 'parallel dumps (--jobs above 1) need the directory format', { hint: 'add --format directory, or leave out --jobs' });
  }
  const lockTimeout = options.lockTimeoutMs ?? DEFAULT_BACKUP_LOCK_TIMEOUT_MS;
  if (!Number.isInteger(lockTimeout) || lockTimeout < 0) throw new MigratorError('E_CONFIG', `\`lockTimeoutMs\` must be a whole number of milliseconds, not ${options.lockTimeoutMs}`);
  const started = (options.now ?? (() => new Date()))();
  const t0 = Date.now();
  // Finding pg_dump starts processes; it overlaps with connecting.
  const probe = probePgTools('pg_dump', options.pgBinDir);
  probe.catch(() => {});
  const client = await connect(options.databaseUrl, { applicationName: 'sdk backup' });
  let partial: string | undefined;
  let inTransaction = false;
  try {
    const server = await serverIdentity(client);
    const pgDump = pickPgTool(await probe, { pgBinDir: options.pgBinDir, atLeast: Math.floor(server.versionNum / 10000), why: `a backup of this PostgreSQL ${server.version} server` });
    const path = await chooseOutput(options, server.database, started, format);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Created exclusively, and private before pg_dump writes a byte (pg_dump keeps the mode of a file
    // it truncates). One that exists belongs to another backup running now, or to a killed one: it is
    // never taken over or removed here.
    const wanted = `${path}${PARTIAL_SUFFIX}`;
    try {
      if (format === 'custom') await (await open(wanted, 'wx', 0o600)).close();
      else await mkdir(wanted, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new MigratorError('E_BACKUP_EXISTS', `${wanted} exists: another backup is writing to ${path} right now, or one was killed while writing it`, {
        hint: 'wait for the other backup, or choose another `output`; a leftover from a killed backup is removed by `sdk db backups prune` after a day, or by hand',
      });
    }
    partial = wanted;

    // One round trip before pg_dump can start. The exact counts below run beside pg_dump, whose
    // COPY and compression keep the server's CPUs busy: parallel workers would only take CPU from
    // it, and a parallel count(*) costs more CPU in all (1,000,000 rows here: 3 processes of
    // 105 ms against one of 165 ms).
    inTransaction = true;
    const opened = (await client.query(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL lock_timeout = ${lockTimeout}; SET LOCAL max_parallel_workers_per_gather = 0; SELECT pg_export_snapshot() AS snapshot`,
    )) as unknown as { rows: { snapshot: string }[] }[];
    const rows = opened.at(-1)!.rows;

    // pg_dump starts at once; the catalog reads for the manifest and the progress run meanwhile, in its snapshot.
    const target = libpqTarget(options.databaseUrl, 'sdk backup (pg_dump)');
    const args = [
      `--format=${format}`,
      `--file=${partial}`,
      `--snapshot=${rows[0]!.snapshot}`,
      '--verbose',
      ...(lockTimeout > 0 ? [`--lock-wait-timeout=${lockTimeout}`] : []),
      ...(jobs > 1 ? [`--jobs=${jobs}`] : []),
      `--dbname=${target.dbname}`,
    ];
    let progress: TableProgress | undefined;
    const early: string[] = [];
    const run = runTool(pgDump, args, target.env, (line) => (progress ? progress.line(line) : early.push(line)), options.signal);
    void run.exited.then(() => target.dispose());
    if (run.pid !== undefined) options.onDumpStarted?.(run.pid);
    // Ctrl-C also ends this session, so a count(*) waiting for a lock does not hold the exit up.
    const endSession = () => void client.end().catch(() => {});
    options.signal?.addEventListener('abort', endSession, { once: true });
    let tables: TableSize[];
    let applied: Awaited<ReturnType<typeof readApplied>>;
    try {
      tables = await dumpedTables(client);
      applied = await readApplied(client);
    } catch (error) {
      run.kill();
      await run.exited;
      throw error;
    }
    progress = new TableProgress('dumping', tables, options.onProgress ?? (() => {}), DUMP_LINE);
    for (const line of early) progress.line(line);
    const ticker = setInterval(() => progress?.tick(), 1000);
    // Counted in the exported snapshot while pg_dump dumps it: the same rows, at no extra wall time.
    let countError: unknown;
    const counting = exactCounts(client, tables).catch((error: unknown) => {
      countError = error;
      run.kill();
      return [];
    });
    const exit = await run.exited;
    const counts = await counting;
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', endSession);
    const stopped = interrupted(options.signal, 'pg_dump was stopped and the partial file removed; no backup was recorded');
    if (stopped) throw stopped;
    if (countError) throw (countError as { code?: string }).code === '55P03' ? lockedOut(lockTimeout, 'counting rows') : countError;
    if (exit.code !== 0) throw dumpFailed(failureOf(pgDump, exit), exit.errors, lockTimeout);
    progress.finish();
    await client.query('COMMIT');
    inTransaction = false;

    options.onProgress?.({ ...lastOf(tables), phase: 'checksum', elapsedMs: Date.now() - t0, etaMs: undefined });
    await makePrivate(partial);
    await syncPath(partial);
    const sum = await checksum(partial);
    if (await exists(path)) throw new MigratorError('E_BACKUP_EXISTS', `${path} appeared while the backup ran: a backup never overwrites a file`, { hint: 'choose another `output`' });
    await rename(partial, path);
    partial = undefined;
    await fsyncPath(dirname(path));
    const finished = new Date(started.getTime() + (Date.now() - t0));
    const manifest: Manifest = {
      kind: MANIFEST_KIND,
      version: MANIFEST_VERSION,
      file: basename(path),
      format,
      sha256: sum.sha256,
      sizeBytes: sum.sizeBytes,
      createdAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: Date.now() - t0,
      database: { name: server.database, systemIdentifier: server.systemIdentifier, url: redactUrl(options.databaseUrl) },
      server: { version: server.version, versionNum: server.versionNum },
      pgDump: { version: pgDump.version, major: pgDump.major },
      migrations: applied.ours.map((m) => ({ tag: m.tag, appliedAt: m.appliedAt })),
      drizzleMigrations: applied.drizzle.length,
      tables: counts,
      totalRows: counts.reduce((s, t) => s + t.rows, 0),
      verification: null,
    };
    try {
      await writeManifest(path, manifest);
    } catch (error) {
      // No manifest, no backup: nothing half-finished is left looking like one.
      await rm(path, { recursive: true, force: true });
      throw writeFailed(error, manifestPathOf(path));
    }
    return { path, manifestPath: manifestPathOf(path), manifest };
  } catch (error) {
    if (partial) await rm(partial, { recursive: true, force: true }).catch(() => {});
    if (error instanceof MigratorError) throw error;
    throw writeFailed(error, partial ?? options.output ?? options.backupDir);
  } finally {
    if (inTransaction) await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  }
}

function lastOf(tables: { bytes: number; rows: number }[]): Omit<BackupProgress, 'phase' | 'elapsedMs' | 'etaMs'> {
  const bytes = tables.reduce((s, t) => s + t.bytes, 0);
  const rows = tables.reduce((s, t) => s + t.rows, 0);
  return { tablesDone: tables.length, tablesTotal: tables.length, rowsDone: rows, rowsTotal: rows, bytesDone: bytes, bytesTotal: bytes };
}

/** fsync a file, or a directory archive's files and the directory itself, so the rename publishes complete data. */
async function syncPath(path: string): Promise<void> {
  const info = await stat(path);
  const paths = info.isDirectory() ? [...(await readdir(path)).map((name) => join(path, name)), path] : [path];
  for (const p of paths) await fsyncPath(p);
}

function lockedOut(lockTimeout: number, detail: string): MigratorError {
  return new MigratorError('E_BACKUP_LOCKED', `the backup could not lock a table within ${lockTimeout} ms (another session holds a conflicting lock, e.g. a migration); the partial file was removed (${detail})`, {
    hint: 'find the session holding the lock (`sdk db status` shows a migration in progress), let it finish, then run `sdk db backup` again; or raise `lockTimeoutMs`',
  });
}

function dumpFailed(detail: string, errors: string[], lockTimeout: number): MigratorError {
  const all = errors.join(' ');
  if (/lock timeout|could not obtain lock|statement timeout/i.test(all)) return lockedOut(lockTimeout, detail);
  if (/No space left on device/i.test(all)) {
    return new MigratorError('E_BACKUP_DISK_FULL', `the disk filled up while pg_dump was writing the backup; the partial file was removed (${detail})`, {
      hint: 'free space in the backup folder (`sdk db backups prune` with `keepDays` 7) or choose another `output` / `backupDir`, then run `sdk db backup` again',
    });
  }
  if (/killed|SIG(KILL|TERM|INT)/.test(detail)) {
    return new MigratorError('E_BACKUP_FAILED', `${detail} before it finished; the partial file was removed and no backup was recorded`, { hint: 'run `sdk db backup` again' });
  }
  return new MigratorError('E_BACKUP_FAILED', `pg_dump failed; the partial file was removed and no backup was recorded: ${detail}`, {
    hint: 'fix the cause pg_dump names, then run `sdk db backup` again',
  });
}

function writeFailed(error: unknown, path: string): MigratorError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') {
    return new MigratorError('E_BACKUP_DISK_FULL', `the disk is full: cannot write ${path}; nothing was kept`, {
      cause: error,
      hint: 'free space (`sdk db backups prune` with `keepDays` 7) or choose another `output` / `backupDir`',
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MigratorError('E_BACKUP_FAILED', `cannot write ${path}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}`, {
      cause: error,
      hint: 'choose a writable `output` or `backupDir`',
    });
  }
  return new MigratorError('E_BACKUP_FAILED', `the backup failed: ${(error as Error).message ?? String(error)}`, { cause: error });
}
