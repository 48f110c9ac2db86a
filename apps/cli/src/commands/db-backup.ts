import { createInterface } from 'node:readline/promises';
import {
  backup,
  dropVerifyLeftovers,
  formatBytes,
  listBackups,
  pruneBackups,
  restoreBackup,
  verifyBackup,
  type ArchiveFormat,
  type BackupEntry,
  type Manifest,
  type RestorePreview,
  type RowCountChange,
  type ScratchCleanup,
  type Verification,
} from '@big0290/migrator/backup';
import { backupDirOf } from '../backup-dir.js';
import { givenDatabaseUrl } from '../database-url.js';
import { ago, duration, table, type Output } from '../output.js';
import { interruptible } from '../interrupt.js';
import { ProgressDisplay } from '../progress.js';
import { UsageError } from '../run.js';
import type { BackupDirFlags, OutputFlags, PgToolFlags, TargetFlags } from '../options.js';
import { resolveTarget } from '../target.js';

export interface DbBackupOptions extends TargetFlags, BackupDirFlags, PgToolFlags {
  output?: string | undefined;
  format?: ArchiveFormat | undefined;
  jobs?: number | undefined;
  verify?: boolean | undefined;
  smoke?: string[] | undefined;
  lockTimeout?: number | undefined;
}

export interface DbVerifyBackupOptions extends TargetFlags, PgToolFlags {
  scratchUrl?: string | undefined;
  smoke?: string[] | undefined;
  jobs?: number | undefined;
}

export interface DbRestoreOptions extends TargetFlags, PgToolFlags {
  yes?: boolean | undefined;
  allowOtherDatabase?: boolean | undefined;
  allowOtherServer?: boolean | undefined;
  lockTimeout?: number | undefined;
}

export interface DbBackupsPruneOptions extends BackupDirFlags {
  keepDays: number;
  dryRun?: boolean | undefined;
}

/** `sdk db backup`: pg_dump with a manifest; `--verify` restores it into a scratch database too. */
export async function dbBackup(options: DbBackupOptions, out: Output): Promise<number> {
  const target = await resolveTarget(options, out);
  const progress = new ProgressDisplay(out);
  const stop = interruptible(out);
  try {
    const result = await backup({
      signal: stop.signal,
      databaseUrl: target.url,
      backupDir: backupDirOf(options.backupDir),
      output: options.output,
      format: options.format,
      jobs: options.jobs,
      lockTimeoutMs: options.lockTimeout,
      pgBinDir: options.pgBinDir,
      onProgress: progress.update,
    });
    progress.stop();
    let manifest = result.manifest;
    let leftovers: ScratchCleanup = { dropped: [], failed: [] };
    if (options.verify) {
      if (!out.json) out.info(`Backup written to ${result.path}; verifying it…`);
      try {
        ({ manifest, leftovers } = await verifyBackup({ path: result.path, databaseUrl: target.url, smoke: options.smoke, pgBinDir: options.pgBinDir, onProgress: progress.update, signal: stop.signal }));
      } finally {
        progress.stop();
      }
    }
    if (out.json) out.resultJson({ path: result.path, manifestPath: result.manifestPath, verified: manifest.verification?.ok === true, manifest, ...leftoversJson(leftovers) });
    else out.result([renderBackup(result.path, result.manifestPath, manifest), ...renderLeftovers(leftovers)].join('\n'));
    return 0;
  } finally {
    stop.dispose();
    progress.stop();
    await target.close();
  }
}

function renderBackup(path: string, manifestPath: string, m: Manifest): string {
  const lines = [
    `Backup:    ${path}`,
    `           ${m.format} format, ${formatBytes(m.sizeBytes)}, sha256 ${m.sha256}`,
    `Database:  ${m.database.name} on PostgreSQL ${m.server.version} (pg_dump ${m.pgDump.version}), ${m.tables.length} tables, ${m.totalRows.toLocaleString('en-US')} rows, newest migration ${m.migrations.at(-1)?.tag ?? 'none'}`,
    `Took:      ${duration(m.durationMs)}`,
    `Manifest:  ${manifestPath}`,
  ];
  lines.push(m.verification?.ok ? `Verified:  ${renderVerification(m.verification)}` : `Verified:  not yet: run \`sdk db verify-backup ${path}\` (or back up with --verify)`);
  return lines.join('\n');
}

function renderVerification(v: Verification): string {
  const smoke = v.smoke.length ? `, ${v.smoke.length} smoke quer${v.smoke.length === 1 ? 'y' : 'ies'} passed` : '';
  return `restored into a scratch database on ${v.server}: ${v.tablesCompared} tables and ${v.rowsCompared.toLocaleString('en-US')} rows match the manifest${smoke} (${duration(v.durationMs)}); the scratch database was dropped`;
}

/** What a verification (or `backups list`) cleaned up after interrupted verifications, for --json. */
function leftoversJson(c: ScratchCleanup): { droppedScratchDatabases: string[]; undroppedScratchDatabases: ScratchCleanup['failed'] } {
  return { droppedScratchDatabases: c.dropped, undroppedScratchDatabases: c.failed };
}

/** The same, for people: what was dropped, and what is left to drop by hand. */
function renderLeftovers(c: ScratchCleanup): string[] {
  const lines: string[] = [];
  const n = c.dropped.length;
  if (n > 0) lines.push(`Cleaned:   dropped ${n} scratch database${n === 1 ? '' : 's'} left by an interrupted verify: ${c.dropped.join(', ')}`);
  for (const f of c.failed) {
    lines.push(`Left:      ${f.name}, left by an interrupted verify, could not be dropped (${f.reason}): drop it as its owner or a superuser with \`DROP DATABASE "${f.name}"\``);
  }
  return lines;
}

/** `sdk db verify-backup PATH`: proves the backup restores and holds what its manifest says. */
export async function dbVerifyBackup(path: string, options: DbVerifyBackupOptions, out: Output): Promise<number> {
  out.addSecretsOf(options.scratchUrl);
  // With --scratch-url the backup's own server is not needed: never start the embedded one for it.
  const target = options.scratchUrl ? { url: options.scratchUrl, close: async () => {} } : await resolveTarget(options, out);
  const progress = new ProgressDisplay(out);
  const stop = interruptible(out);
  try {
    const result = await verifyBackup({ path, databaseUrl: target.url, scratchUrl: options.scratchUrl, smoke: options.smoke, jobs: options.jobs, pgBinDir: options.pgBinDir, onProgress: progress.update, signal: stop.signal });
    progress.stop();
    if (out.json) out.resultJson({ path: result.path, verified: true, verification: result.verification, ...leftoversJson(result.leftovers) });
    else out.result([`Verified:  ${result.path}\n           ${renderVerification(result.verification)}`, ...renderLeftovers(result.leftovers)].join('\n'));
    return 0;
  } finally {
    stop.dispose();
    progress.stop();
    await target.close();
  }
}

/** `sdk db restore PATH`: replaces the target with the backup, in one transaction, after asking. */
export async function dbRestore(path: string, options: DbRestoreOptions, out: Output): Promise<number> {
  const target = await resolveTarget(options, out);
  const progress = new ProgressDisplay(out);
  const stop = interruptible(out);
  try {
    const result = await restoreBackup({
      path,
      signal: stop.signal,
      databaseUrl: target.url,
      allowOtherDatabase: options.allowOtherDatabase,
      allowOtherServer: options.allowOtherServer,
      lockTimeoutMs: options.lockTimeout,
      pgBinDir: options.pgBinDir,
      onProgress: progress.update,
      confirm: async (preview) => {
        if (!out.json || out.verbose) out.info(renderPreview(preview));
        if (options.yes) return true;
        // A script (no terminal, or --json) cannot answer a prompt: it says --yes up front.
        if (!process.stdin.isTTY || !process.stderr.isTTY || out.json) {
          throw new UsageError(`restoring replaces database ${preview.targetDatabase} and there is no terminal to confirm on: add --yes to restore without asking`);
        }
        return confirmByName(preview.targetDatabase);
      },
    });
    progress.stop();
    if (out.json) {
      const { restored, durationMs, mismatches, rowChanges, history, preview } = result;
      out.resultJson({ path: preview.archive, restored, durationMs, mismatches, rowChanges, history, preview });
    }
    else if (!result.restored) out.result('Restore cancelled: nothing was changed.');
    else {
      out.result(
        [
          `Restored ${result.preview.archive} into ${result.preview.targetDatabase} in ${duration(result.durationMs)} (one transaction).`,
          result.mismatches.length === 0
            ? `Every table's row count matches the backup (${result.preview.backup.tables} tables, ${result.preview.backup.rows.toLocaleString('en-US')} rows).`
            : `Row counts that differ from the backup: ${result.mismatches.join('; ')}`,
          ...(result.rowChanges.length ? ['Row counts the restore changed (before -> after):', ...rowChangeLines(result.rowChanges, '  ')] : []),
          result.history
            ? `Audit history kept: ${result.history.kept.toLocaleString('en-US')} ${result.history.kept === 1 ? 'row written after the backup stays' : 'rows written after the backup stay'} in ${result.history.table}, and this restore is recorded there (id ${result.history.restoreId}).`
            : 'Audit history: none in this database (it starts with the first `sdk db migrate`), so the restore is not recorded.',
          `Migrations are back at ${result.preview.backup.newestMigration ?? 'none'}: \`sdk db status\` shows what is pending again.`,
        ].join('\n'),
      );
    }
    // Cancelled at the prompt: nothing was restored, which a script must not take for success.
    return !result.restored || result.mismatches.length > 0 ? 1 : 0;
  } finally {
    stop.dispose();
    progress.stop();
    await target.close();
  }
}

export function renderPreview(p: RestorePreview): string {
  const list = (names: string[]) => `${names.slice(0, 6).join(', ')}${names.length > 6 ? `, and ${names.length - 6} more` : ''}`;
  const rows = p.current.tables.reduce((s, t) => s + t.rows, 0);
  const lines = [
    `Restore ${p.archive}`,
    `  backup of  ${p.backup.database}, made ${p.backup.createdAt} (${ago(p.backup.createdAt)}), ${p.backup.verifiedAt ? `verified ${ago(p.backup.verifiedAt)}` : 'NEVER VERIFIED (run `sdk db verify-backup` first if you can)'}`,
    `             ${p.backup.tables} tables, ${p.backup.rows.toLocaleString('en-US')} rows, newest migration ${p.backup.newestMigration ?? 'none'}`,
    `  into       ${p.target} (database ${p.targetDatabase})`,
    `             now ${p.current.tables.length} tables, about ${rows.toLocaleString('en-US')} rows, newest migration ${p.current.newestMigration ?? 'none'}`,
    `  replaced   ${p.replaced.length} table${p.replaced.length === 1 ? '' : 's'}, dropped and recreated from the backup${p.replaced.length ? `: ${list(p.replaced)}` : ''}`,
  ];
  if (p.dropped.length) lines.push(`  dropped    ${p.dropped.length} object${p.dropped.length === 1 ? '' : 's'} made after the backup (the backup does not have them): ${list(p.dropped)}`);
  if (p.undoneMigrations.length) lines.push(`  undoes     ${p.undoneMigrations.length} migration${p.undoneMigrations.length === 1 ? '' : 's'} applied after the backup (\`sdk db migrate\` applies ${p.undoneMigrations.length === 1 ? 'it' : 'them'} again): ${list(p.undoneMigrations)}`);
  if (p.rowChanges.length) lines.push('  row counts now -> in the backup:', ...rowChangeLines(p.rowChanges, '             '));
  if (p.history) lines.push(`  history    ${p.history.table} is kept as it is (${p.history.rows.toLocaleString('en-US')} row${p.history.rows === 1 ? '' : 's'}), not rewound to the backup's; the restore is added to it`);
  if (p.otherServer) lines.push('  note       the backup was made on another server (its system identifier differs)');
  lines.push('  Any failure rolls the whole restore back: the database stays as it is now.');
  return lines.join('\n');
}

/** Shown one per line, the first MAX_ROW_CHANGES_SHOWN; an estimate (a big table) is marked `about`. */
const MAX_ROW_CHANGES_SHOWN = 20;

function rowChangeLines(changes: RowCountChange[], indent: string): string[] {
  const n = (rows: number) => rows.toLocaleString('en-US');
  const rows = changes.slice(0, MAX_ROW_CHANGES_SHOWN).map((c) => {
    const before = c.before === null ? 'none' : `${c.beforeExact ? '' : 'about '}${n(c.before)}`;
    const after = c.after === null ? 'dropped' : n(c.after);
    const delta = c.before !== null && c.after !== null ? ` (${c.after >= c.before ? '+' : '-'}${n(Math.abs(c.after - c.before))})` : '';
    return [c.table, `${before} -> ${after}${delta}`];
  });
  const lines = table(rows).split('\n').map((l) => `${indent}${l}`);
  if (changes.length > MAX_ROW_CHANGES_SHOWN) lines.push(`${indent}and ${changes.length - MAX_ROW_CHANGES_SHOWN} more tables (--json lists them all)`);
  return lines;
}

async function confirmByName(database: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-C at the prompt reaches readline, not the process: it cancels.
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  try {
    const answer = await rl.question(`Type the database name (${database}) to replace it, anything else to cancel: `, { signal: cancel.signal });
    return answer.trim() === database;
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

/** `sdk db backups list`. */
export async function dbBackupsList(options: BackupDirFlags & OutputFlags, out: Output): Promise<number> {
  const dir = backupDirOf(options.backupDir);
  const entries = await listBackups(dir);
  const leftovers = await cleanUpForList(out);
  if (out.json) {
    out.resultJson({ dir, backups: entries, ...leftoversJson(leftovers) });
    return 0;
  }
  if (entries.length === 0) {
    out.result([`No backups in ${dir}. Make one with \`sdk db backup --verify\`.`, ...renderLeftovers(leftovers)].join('\n'));
    return 0;
  }
  const rows = [['CREATED (UTC)', 'AGE', 'DATABASE', 'SIZE', 'ROWS', 'MIGRATION', 'VERIFIED', 'STATE', 'PATH']];
  for (const e of entries) {
    rows.push([
      e.createdAt.slice(0, 19).replace('T', ' '),
      ago(e.createdAt),
      e.database ?? '-',
      e.sizeBytes === null ? '-' : formatBytes(e.sizeBytes),
      e.totalRows === null ? '-' : e.totalRows.toLocaleString('en-US'),
      e.newestMigration ?? '-',
      e.verified ? `yes, ${ago(e.verifiedAt!)}` : e.verificationFailed ? 'FAILED' : 'no',
      STATE_WORDS[e.state],
      e.path,
    ]);
  }
  out.result([`Backups in ${dir}\n\n${table(rows)}`, ...renderLeftovers(leftovers)].join('\n'));
  return 0;
}

/** How long `backups list` waits for the server it cleans up on: listing files should not hang on it. */
const LIST_CLEANUP_CONNECT_TIMEOUT_MS = 5_000;

/**
 * `backups list` drops the scratch databases of interrupted verifications too, but only on a
 * server the user configured (DATABASE_URL, else .env): it has no --database-url and never starts
 * the embedded PostgreSQL for this. Without one, the next verify-backup does it. A server that
 * cannot be reached does not stop the listing: it is said on stderr.
 */
async function cleanUpForList(out: Output): Promise<ScratchCleanup> {
  const none: ScratchCleanup = { dropped: [], failed: [] };
  const given = givenDatabaseUrl(undefined);
  if (!given) return none;
  out.addSecretsOf(given.url);
  try {
    return await dropVerifyLeftovers(given.url, { timeoutMs: LIST_CLEANUP_CONNECT_TIMEOUT_MS, applicationName: 'sdk backups list' });
  } catch (error) {
    out.info(`note: could not look for scratch databases left by an interrupted verify: ${(error as Error).message}`);
    return none;
  }
}

const STATE_WORDS: Record<BackupEntry['state'], string> = {
  ok: 'ok',
  'missing-archive': 'ARCHIVE MISSING',
  'size-mismatch': 'SIZE CHANGED',
  'bad-manifest': 'BAD MANIFEST',
  partial: 'partial (unfinished)',
  'no-manifest': 'no manifest',
};

/** `sdk db backups prune --keep-days N`. */
export async function dbBackupsPrune(options: DbBackupsPruneOptions, out: Output): Promise<number> {
  const dir = backupDirOf(options.backupDir);
  const result = await pruneBackups(dir, { keepDays: options.keepDays, dryRun: options.dryRun });
  if (out.json) {
    out.resultJson({ dir, keepDays: options.keepDays, dryRun: options.dryRun ?? false, deleted: result.deleted, protected: result.protected, unreadable: result.unreadable, kept: result.kept });
    return 0;
  }
  const verb = options.dryRun ? 'Would delete' : 'Deleted';
  const lines = [`${verb} ${result.deleted.length} backup${result.deleted.length === 1 ? '' : 's'} older than ${options.keepDays} days from ${dir}${result.deleted.length ? ':' : '.'}`];
  for (const e of result.deleted) lines.push(`  ${e.path} (${e.database ?? e.state}, ${ago(e.createdAt)})`);
  for (const e of result.protected) lines.push(`Kept ${e.path} (${ago(e.createdAt)}): the newest verified backup of ${e.database}.`);
  for (const e of result.unreadable) lines.push(`Kept ${e.path}: its manifest cannot be read, so nothing proves what it is; look at it, then delete it by hand.`);
  lines.push(`${result.kept.length + result.protected.length + result.unreadable.length} kept.`);
  out.result(lines.join('\n'));
  return 0;
}
