import { lstat, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MigratorError } from '../errors.js';
import { MANIFEST_SUFFIX, PARTIAL_SUFFIX, readManifest, removeBackup, sizeOf, type ArchiveFormat } from './manifest.js';

export type BackupState =
  /** Archive and manifest present, archive size as recorded (the checksum is checked by verify and restore). */
  | 'ok'
  | 'missing-archive'
  | 'size-mismatch'
  | 'bad-manifest'
  /** `.partial`: a backup being written, or one that was killed. */
  | 'partial'
  /** An archive with no manifest: not finished, or not made by sdk. */
  | 'no-manifest';

export interface BackupEntry {
  path: string;
  state: BackupState;
  database: string | null;
  systemIdentifier: string | null;
  format: ArchiveFormat | null;
  createdAt: string;
  sizeBytes: number | null;
  verified: boolean;
  verifiedAt: string | null;
  /** The last verification failed. */
  verificationFailed: boolean;
  newestMigration: string | null;
  totalRows: number | null;
}

/** Every backup in a folder, newest first, with leftovers (`.partial`, archives without a manifest) flagged. */
export async function listBackups(dir: string): Promise<BackupEntry[]> {
  const folder = resolve(dir);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MigratorError('E_BACKUP_DIR', `cannot read the backup folder ${folder}: ${(error as Error).message}`, { cause: error });
  }
  const entries: BackupEntry[] = [];
  const claimed = new Set<string>();
  for (const name of names.filter((n) => n.endsWith(MANIFEST_SUFFIX))) {
    const archive = join(folder, name.slice(0, -MANIFEST_SUFFIX.length));
    claimed.add(name);
    claimed.add(name.slice(0, -MANIFEST_SUFFIX.length));
    try {
      const m = await readManifest(archive);
      const size = await sizeOf(archive);
      entries.push({
        path: archive,
        state: size === undefined ? 'missing-archive' : size !== m.sizeBytes ? 'size-mismatch' : 'ok',
        database: m.database.name,
        systemIdentifier: m.database.systemIdentifier,
        format: m.format,
        createdAt: m.createdAt,
        sizeBytes: size ?? null,
        verified: m.verification?.ok === true,
        verifiedAt: m.verification?.ok ? m.verification.at : null,
        verificationFailed: m.verification?.ok === false,
        newestMigration: m.migrations.at(-1)?.tag ?? null,
        totalRows: m.totalRows,
      });
    } catch {
      entries.push(leftover(archive, 'bad-manifest', await mtimeOf(join(folder, name)), await sizeOf(archive)));
    }
  }
  for (const name of names) {
    if (claimed.has(name) || name.endsWith('.tmp')) continue;
    const path = join(folder, name);
    if (name.endsWith(PARTIAL_SUFFIX)) entries.push(leftover(path, 'partial', await mtimeOf(path), await sizeOf(path)));
    else if (/^pre-migration-.+-\d{8}-\d{6}/.test(name)) entries.push(leftover(path, 'no-manifest', await mtimeOf(path), await sizeOf(path)));
  }
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** When a file was last written; a dangling symlink has its own time, and an unreadable entry the epoch. */
async function mtimeOf(path: string): Promise<Date> {
  try {
    return (await lstat(path)).mtime;
  } catch {
    return new Date(0);
  }
}

function leftover(path: string, state: BackupState, mtime: Date, size: number | undefined): BackupEntry {
  return {
    path,
    state,
    database: null,
    systemIdentifier: null,
    format: null,
    createdAt: mtime.toISOString(),
    sizeBytes: size ?? null,
    verified: false,
    verifiedAt: null,
    verificationFailed: false,
    newestMigration: null,
    totalRows: null,
  };
}

/** A backup of this database: same name, and same server when both system identifiers are known. */
export function isBackupOf(entry: BackupEntry, database: { name: string; systemIdentifier: string | null }): boolean {
  return entry.database === database.name && (entry.systemIdentifier === null || database.systemIdentifier === null || entry.systemIdentifier === database.systemIdentifier);
}

/** The newest backup whose verification passed, of one database when given. */
export function newestVerified(entries: BackupEntry[], database?: { name: string; systemIdentifier: string | null }): BackupEntry | undefined {
  return entries.find((e) => e.state === 'ok' && e.verified && (!database || isBackupOf(e, database)));
}

export interface PruneResult {
  deleted: BackupEntry[];
  kept: BackupEntry[];
  /** Older than the cut-off but kept: the newest verified backup of its database. */
  protected: BackupEntry[];
  /** Older than the cut-off but kept: its manifest cannot be read, so nothing proves what it is. */
  unreadable: BackupEntry[];
}

/** A `.partial` younger than this may be a backup still being written: never pruned. */
const PARTIAL_GRACE_MS = 24 * 3600_000;

/**
 * Deletes backups (archive and manifest) made more than `keepDays` days ago, and leftovers older
 * than that (and at least a day old); never the newest verified backup of each database, however
 * old, and never a backup whose manifest it cannot read (a hand edit, another sdk version): those
 * are reported for a person to look at. `dryRun` deletes nothing and reports what would go.
 */
export async function pruneBackups(dir: string, options: { keepDays: number; dryRun?: boolean; now?: Date }): Promise<PruneResult> {
  if (!Number.isFinite(options.keepDays) || options.keepDays < 0) {
    throw new MigratorError('E_CONFIG', `\`keepDays\` must be 0 or more, not ${options.keepDays}`, { hint: 'the guide keeps backups 7 days: `keepDays` 7' });
  }
  const now = (options.now ?? new Date()).getTime();
  const cutoff = now - options.keepDays * 86_400_000;
  const entries = await listBackups(dir);
  const keepForever = new Set<BackupEntry>();
  const databases = new Map<string, BackupEntry>();
  for (const e of entries) {
    if (!e.verified || e.state !== 'ok') continue;
    const key = `${e.database}\0${e.systemIdentifier ?? ''}`;
    if (!databases.has(key)) databases.set(key, e);
  }
  for (const e of databases.values()) keepForever.add(e);
  const result: PruneResult = { deleted: [], kept: [], protected: [], unreadable: [] };
  for (const e of entries) {
    const created = Date.parse(e.createdAt);
    const old = created < cutoff && (e.state !== 'partial' || now - created > PARTIAL_GRACE_MS);
    if (!old) result.kept.push(e);
    else if (keepForever.has(e)) result.protected.push(e);
    else if (e.state === 'bad-manifest') result.unreadable.push(e);
    else {
      if (!options.dryRun) {
        if (e.state === 'partial' || e.state === 'no-manifest') await rm(e.path, { recursive: true, force: true });
        else await removeBackup(e.path);
      }
      result.deleted.push(e);
    }
  }
  return result;
}
