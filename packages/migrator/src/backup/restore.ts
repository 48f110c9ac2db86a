import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type pg from 'pg';
import { connect } from '../db/connect.js';
import { libpqTarget } from '../db/libpq.js';
import { MigratorError } from '../errors.js';
import { DEFAULT_RESTORE_LOCK_TIMEOUT_MS } from '../db/defaults.js';
import { ADVISORY_LOCK_KEYS } from '../db/advisory-lock.js';
import { currentActor } from '../util/actor.js';
import { exactCounts, serverIdentity } from './catalog.js';
import { archivePathOf, checkArchive, readManifest } from './manifest.js';
import { objectsNotInArchive } from './exact.js';
import { HISTORY_TABLE, historyCarry } from './restore-history.js';
import { previewOf, type RestorePreview, type RowCountChange } from './restore-preview.js';
import { commitGuard, LOCK_HOLDER_SQL, runExactRestore, type LockHolder } from './restore-script.js';
import { failureOf, interrupted, RESTORE_LINE, TableProgress, type BackupProgress } from './process.js';
import { findPgTool } from './tools.js';
import { listArchive } from './archive.js';

export type { RestorePreview, RowCountChange } from './restore-preview.js';

export interface RestoreOptions {
  path: string;
  databaseUrl: string;
  /** Asked with the preview once every check passed and before anything is changed; false stops. */
  confirm: (preview: RestorePreview) => Promise<boolean>;
  /** Restore a backup of database `a` into database `b`. */
  allowOtherDatabase?: boolean;
  /** Restore a backup made on another server (a rebuilt or new server). */
  allowOtherServer?: boolean;
  lockTimeoutMs?: number;
  pgBinDir?: string | undefined;
  onProgress?: (progress: BackupProgress) => void;
  /** Stops pg_restore: its single transaction rolls back and the target stays as it was. */
  signal?: AbortSignal;
  /** Who restores, for the audit history (defaults: OS user, hostname, git sha from env/`git`). */
  actor?: { user?: string; host?: string; gitSha?: string };
}

export interface RestoreResult {
  restored: boolean;
  preview: RestorePreview;
  durationMs: number;
  /** Tables whose exact row count after the restore differs from the manifest (should be none; the audit history is not compared: it is kept). */
  mismatches: string[];
  /** Per table whose row count the restore changed: before (as the preview counted it) and after (counted). */
  rowChanges: RowCountChange[];
  /**
   * The audit history after the restore: `kept` rows the backup does not have (written after it),
   * and the id of the row recording this restore. Null when there is no history to record into.
   */
  history: { table: string; kept: number; restoreId: number } | null;
}

/**
 * Restores a backup over its database in one transaction, so the database ends exactly as the
 * backup (a rolled-back migration's tables, types and functions included) or exactly as it was:
 *
 * 1. Refuses an archive that does not match its manifest (size, sha256) or that pg_restore
 *    cannot list, before connecting to the target.
 * 2. Refuses a backup of another database (named by the archive's header) unless
 *    `allowOtherDatabase`, and of another server unless `allowOtherServer`.
 * 3. Shows what will be replaced and what will be dropped (made after the backup), the tables
 *    whose row counts change, and asks.
 * 4. Holds the migration runner's advisory lock so no `sdk db migrate` runs meanwhile, and runs
 *    BEGIN, the drops, pg_restore's `--clean --if-exists` script and COMMIT through psql with
 *    ON_ERROR_STOP; a lock wait longer than `lockTimeoutMs` is cancelled. Any failure rolls the
 *    whole restore back, and so does the loss of the lock: right before COMMIT the script checks
 *    on the server that this session still holds it (sdk killed, its session gone).
 * 5. Keeps the audit history (sdk_migrator.history) out of the rewind, in the same transaction:
 *    the rows written after the backup stay, and one row records the restore (restore-history.ts).
 * 6. Compares the target's exact row counts with the manifest, and reports each table's change.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const archive = archivePathOf(options.path);
  const manifest = await readManifest(archive);
  await checkArchive(archive, manifest);
  const pgRestore = await findPgTool('pg_restore', { pgBinDir: options.pgBinDir, atLeast: manifest.pgDump.major, why: `restoring an archive written by pg_dump ${manifest.pgDump.version}` });
  const toc = await listArchive(pgRestore, archive);
  // psql runs the restore script; the one beside pg_restore is the same version.
  const psql = await findPgTool('psql', { pgBinDir: dirname(pgRestore.path), atLeast: pgRestore.major, why: 'running the restore in one transaction' });
  // The archive's own header names the database it came from; the manifest could have been edited.
  const backupDatabase = toc.dbname ?? manifest.database.name;

  const client = await connect(options.databaseUrl, { applicationName: 'sdk restore' });
  const started = Date.now();
  try {
    const identity = await serverIdentity(client);
    if (identity.database !== backupDatabase && !options.allowOtherDatabase) {
      throw new MigratorError(
        'E_RESTORE_OTHER_DATABASE',
        `${archive} is a backup of database ${backupDatabase}, but the target is ${identity.database}: refusing to replace one database with another's contents`,
        { hint: `check the database URL; if you mean to replace ${identity.database} with ${backupDatabase}'s backup, add \`allowOtherDatabase\`` },
      );
    }
    const { systemIdentifier } = manifest.database;
    if (systemIdentifier !== null && identity.systemIdentifier !== null && systemIdentifier !== identity.systemIdentifier && !options.allowOtherServer) {
      throw new MigratorError(
        'E_RESTORE_OTHER_SERVER',
        `${archive} was made on another server (system identifier ${systemIdentifier}; the target's is ${identity.systemIdentifier}): refusing to replace ${identity.database} with another server's database of the same name`,
        { hint: 'check the database URL (a staging backup restored into production looks exactly like this); to restore onto a new or rebuilt server on purpose, add `allowOtherServer`' },
      );
    }
    const extras = await objectsNotInArchive(client, toc.objects);
    const preview = await previewOf(client, archive, manifest, options.databaseUrl, identity, extras);
    if (!(await options.confirm(preview))) return { restored: false, preview, durationMs: Date.now() - started, mismatches: [], rowChanges: [], history: null };

    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ADVISORY_LOCK_KEYS[0], ADVISORY_LOCK_KEYS[1]]);
    if (!rows[0]?.ok) {
      throw new MigratorError('E_LOCKED', 'a migration run holds the migration lock on the target: restoring now would race it; nothing was changed', {
        hint: 'wait for it to finish (see `sdk db status`), then run `sdk db restore` again',
      });
    }
    // pg_dump archives start with `SET lock_timeout = 0`, so PGOPTIONS cannot bound pg_restore's lock
    // waits: a watchdog on this session cancels its statement once it has waited lockTimeout for a lock.
    const applicationName = `sdk restore (pg_restore ${randomBytes(4).toString('hex')})`;
    const { rows: self } = await client.query<Omit<LockHolder, 'keys'>>(LOCK_HOLDER_SQL);
    const guard = commitGuard({ ...self[0]!, keys: ADVISORY_LOCK_KEYS });
    const target = libpqTarget(options.databaseUrl, applicationName);
    const lockTimeout = options.lockTimeoutMs ?? DEFAULT_RESTORE_LOCK_TIMEOUT_MS;
    const progress = new TableProgress('restoring', manifest.tables.map((t) => ({ ...t, bytes: t.rows })), options.onProgress ?? (() => {}), RESTORE_LINE);
    // Ctrl-C does not kill the restore (a kill around its COMMIT would leave the outcome unknown): the
    // watchdog terminates its session, which rolls back unless the COMMIT already happened, and
    // the exit status then says which.
    const actor = currentActor(options.actor);
    const history = historyCarry({
      osUser: actor.user,
      host: actor.host,
      gitSha: actor.gitSha,
      archive,
      backupNewest: preview.backup.newestMigration,
      currentNewest: preview.current.newestMigration,
      undone: preview.undoneMigrations,
    });
    const drops = [history.keep, ...extras.map((e) => e.drop)];
    const run = runExactRestore(pgRestore, psql, archive, drops, target, `${history.carry}${guard}`, (line) => progress.line(line));
    const watchdog = new LockWatchdog(client, applicationName, lockTimeout);
    const requestStop = () => watchdog.stop();
    options.signal?.addEventListener('abort', requestStop, { once: true });
    if (options.signal?.aborted) requestStop();
    const exit = await watchdog.watch(run.exited).finally(() => {
      options.signal?.removeEventListener('abort', requestStop);
      target.dispose();
    });
    if (!exit.committed && watchdog.stopping) {
      throw interrupted(options.signal, 'pg_restore was stopped before it committed; its transaction rolled back and the target is unchanged')!;
    }
    if (!exit.committed) {
      const detail = watchdog.canceled ?? failureOf(pgRestore, exit);
      throw new MigratorError('E_RESTORE_FAILED', `the restore failed and was rolled back, the target is unchanged: ${detail}`, {
        hint: watchdog.canceled
          ? `stop the application's traffic to the database or end those sessions (SELECT pg_terminate_backend(pid)), or raise \`lockTimeoutMs\` (now ${lockTimeout} ms), then run \`sdk db restore\` again`
          : 'fix the cause named above, then run `sdk db restore` again',
      });
    }
    progress.finish();
    await client.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_LOCK_KEYS[0], ADVISORY_LOCK_KEYS[1]]).catch(() => {});
    const counts = await exactCounts(client, manifest.tables);
    const mismatches = counts.flatMap((c, i) =>
      c.rows === manifest.tables[i]!.rows || `${c.schema}.${c.name}` === HISTORY_TABLE ? [] : [`${c.schema}.${c.name}: ${c.rows} rows, the backup had ${manifest.tables[i]!.rows}`],
    );
    // The tables the preview showed changing, now with their counts after the restore.
    const after = new Map(counts.map((c) => [`${c.schema}.${c.name}`, c.rows]));
    const changes = preview.rowChanges.map((c) => ({ ...c, after: after.get(c.table) ?? null }));
    const backupHistory = manifest.tables.find((t) => `${t.schema}.${t.name}` === HISTORY_TABLE)?.rows ?? 0;
    return { restored: true, preview, durationMs: Date.now() - started, mismatches, rowChanges: changes, history: await restoredHistory(client, archive, backupHistory) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The audit history after a restore: how many of its rows the backup did not have, and the restore's own row. */
async function restoredHistory(client: pg.Client, archive: string, backupRows: number): Promise<RestoreResult['history']> {
  const { rows: exists } = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [HISTORY_TABLE]);
  if (!exists[0]?.ok) return null;
  const { rows } = await client.query<{ total: string; id: string | null }>(
    `SELECT count(*) AS total, max(id) FILTER (WHERE phase = 'restore' AND to_jsonb(h) ->> 'archive' = $1) AS id FROM ${HISTORY_TABLE} h`,
    [archive],
  );
  const row = rows[0];
  if (!row?.id) return null;
  return { table: HISTORY_TABLE, kept: Math.max(0, Number(row.total) - 1 - backupRows), restoreId: Number(row.id) };
}

/**
 * Polls pg_stat_activity for the pg_restore session (found by its unique application_name) and
 * cancels its statement once it has waited `timeoutMs` on one lock, naming the blocking sessions.
 */
class LockWatchdog {
  canceled: string | undefined;
  /** Set by stop(): every check terminates the watched session until the tool exits. */
  stopping = false;
  private waitingSince: { key: string; at: number } | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly applicationName: string,
    private readonly timeoutMs: number,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  /** Waits for `done`, watching meanwhile; a timeout of 0 waits for locks as long as it takes (as lock_timeout = 0). */
  async watch<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    const result = done.finally(() => {
      finished = true;
    });
    while (!finished) {
      await Promise.race([result, new Promise((r) => setTimeout(r, Math.min(200, Math.max(20, this.timeoutMs / 4))))]);
      if (!finished) await this.check().catch(() => {});
    }
    return result;
  }

  private async check(): Promise<void> {
    if (this.stopping) {
      await this.client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [this.applicationName]);
      return;
    }
    if (this.timeoutMs === 0) return;
    const { rows } = await this.client.query<{ pid: number; waiting: boolean; since: Date | null; blockers: number[] }>(
      `SELECT pid, wait_event_type = 'Lock' AS waiting, query_start AS since, pg_blocking_pids(pid) AS blockers
         FROM pg_stat_activity WHERE application_name = $1`,
      [this.applicationName],
    );
    const row = rows[0];
    if (!row?.waiting) {
      this.waitingSince = undefined;
      return;
    }
    const key = `${row.pid}:${row.since?.toISOString()}`;
    if (this.waitingSince?.key !== key) this.waitingSince = { key, at: Date.now() };
    if (Date.now() - this.waitingSince.at < this.timeoutMs || this.canceled) return;
    const { rows: blockers } = await this.client.query<{ pid: number; state: string | null; app: string | null; query: string | null }>(
      "SELECT pid, state, nullif(application_name, '') AS app, left(query, 80) AS query FROM pg_stat_activity WHERE pid = ANY($1::int[])",
      [row.blockers],
    );
    const who = blockers.map((b) => `pid ${b.pid}${b.app ? ` (${b.app})` : ''}, ${b.state ?? 'unknown'}${b.query ? `: ${b.query.replace(/\s+/g, ' ').trim()}` : ''}`).join('; ');
    this.canceled = `it waited more than ${this.timeoutMs} ms for a lock held by ${who || `session ${row.blockers.join(', ')}`}`;
    await this.client.query('SELECT pg_cancel_backend($1)', [row.pid]);
  }
}
