import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MigratorError } from '../errors.js';

export const MANIFEST_SUFFIX = '.manifest.json';
/** A backup being written; renamed to its final name only once pg_dump has finished. */
export const PARTIAL_SUFFIX = '.partial';
export const MANIFEST_KIND = 'sdk-backup';
export const MANIFEST_VERSION = 1;

export type ArchiveFormat = 'custom' | 'directory';

export interface TableCount {
  schema: string;
  name: string;
  /** Exact count(*), read in the same snapshot pg_dump dumped. */
  rows: number;
}

export interface Verification {
  ok: boolean;
  at: string;
  durationMs: number;
  /** Where the scratch database was made (password redacted). */
  server: string;
  scratchDatabase: string;
  tablesCompared: number;
  rowsCompared: number;
  smoke: { sql: string; rows: number }[];
  /** What did not match, empty when ok. */
  problems: string[];
}

export interface Manifest {
  kind: typeof MANIFEST_KIND;
  version: typeof MANIFEST_VERSION;
  /** The archive's name, beside the manifest. */
  file: string;
  format: ArchiveFormat;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
  finishedAt: string;
  durationMs: number;
  database: {
    name: string;
    /** pg_control_system().system_identifier when readable: tells two servers apart. */
    systemIdentifier: string | null;
    /** The target URL, password redacted. */
    url: string;
  };
  server: { version: string; versionNum: number };
  pgDump: { version: string; major: number };
  /** Migrations applied when the snapshot was taken, oldest first. */
  migrations: { tag: string; appliedAt: string }[];
  /** Rows in drizzle's own journal table (drizzle-orm's migrator), when it is used. */
  drizzleMigrations: number;
  tables: TableCount[];
  totalRows: number;
  verification: Verification | null;
}

export function manifestPathOf(archive: string): string {
  return `${archive}${MANIFEST_SUFFIX}`;
}

/** The archive a path names: the archive itself, or its manifest. */
export function archivePathOf(path: string): string {
  // `backups/pre-migration-app-…/` (a directory archive, as tab completion writes it) is that directory.
  const bare = path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
  return bare.endsWith(MANIFEST_SUFFIX) ? bare.slice(0, -MANIFEST_SUFFIX.length) : bare;
}

/** Checks the fields the commands rely on, so a hand-edited or foreign manifest is refused with its path, not a TypeError. */
function wellFormed(m: Manifest): boolean {
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  return (
    m !== null &&
    typeof m === 'object' &&
    m.kind === MANIFEST_KIND &&
    m.version === MANIFEST_VERSION &&
    str(m.sha256) &&
    num(m.sizeBytes) &&
    (m.format === 'custom' || m.format === 'directory') &&
    str(m.createdAt) &&
    !Number.isNaN(Date.parse(m.createdAt)) &&
    typeof m.database === 'object' &&
    m.database !== null &&
    str(m.database.name) &&
    typeof m.pgDump === 'object' &&
    m.pgDump !== null &&
    num(m.pgDump.major) &&
    Array.isArray(m.migrations) &&
    Array.isArray(m.tables) &&
    m.tables.every((t) => t && str(t.schema) && str(t.name) && num(t.rows)) &&
    num(m.totalRows)
  );
}

export async function readManifest(archive: string): Promise<Manifest> {
  const path = manifestPathOf(archive);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const archiveThere = await stat(archive).then(() => true, () => false);
      throw new MigratorError(
        'E_BACKUP_MANIFEST',
        archiveThere
          ? `${archive} has no manifest beside it (${basename(path)}): it was not made by \`sdk db backup\`, or it was not finished, so nothing proves it is whole`
          : `no backup at ${archive}`,
        { hint: archiveThere ? 'make a new backup with `sdk db backup` with `verify`' : 'list the backups with `sdk db backups list`' },
      );
    }
    throw new MigratorError('E_BACKUP_MANIFEST', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    throw new MigratorError('E_BACKUP_MANIFEST', `${path} is not valid JSON: the manifest is damaged, so the backup cannot be trusted`, {
      hint: 'make a new backup with `sdk db backup` with `verify`',
    });
  }
  if (!wellFormed(manifest)) {
    throw new MigratorError('E_BACKUP_MANIFEST', `${path} is not a complete sdk backup manifest (version ${MANIFEST_VERSION}): it was edited, damaged, or written by another version`, {
      hint: 'make a new backup with `sdk db backup` with `verify`',
    });
  }
  return manifest;
}

/** Writes the manifest under a temporary name, 0600, then renames it: never a half-written manifest. */
export async function writeManifest(archive: string, manifest: Manifest): Promise<void> {
  const path = manifestPathOf(archive);
  await writePrivateFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function writePrivateFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temp, 0o600);
  await rename(temp, path);
  await fsyncPath(dirname(path));
}

/** fsync one file or directory (a directory's fsync makes a rename in it durable; not every platform allows it). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}


/**
 * sha256 and size of an archive. A directory-format archive is hashed as its files in name
 * order, each as `name\0size\0sha256\n`, so a missing, added, renamed or changed file changes it.
 */
export async function checksum(archive: string): Promise<{ sha256: string; sizeBytes: number }> {
  const info = await stat(archive);
  if (!info.isDirectory()) return { sha256: await hashFile(archive), sizeBytes: info.size };
  const outer = createHash('sha256');
  let sizeBytes = 0;
  for (const name of (await readdir(archive)).sort()) {
    const file = join(archive, name);
    const s = await stat(file);
    sizeBytes += s.size;
    outer.update(`${name}\0${s.size}\0${await hashFile(file)}\n`);
  }
  return { sha256: outer.digest('hex'), sizeBytes };
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** Size on disk (sum of a directory's files), without hashing: for listings. */
export async function sizeOf(archive: string): Promise<number | undefined> {
  try {
    const info = await stat(archive);
    if (!info.isDirectory()) return info.size;
    let total = 0;
    for (const name of await readdir(archive)) total += (await stat(join(archive, name))).size;
    return total;
  } catch {
    return undefined;
  }
}

/**
 * Refuses an archive whose bytes are not the ones the manifest recorded (truncated, corrupted,
 * swapped), before anything reads it. The size is compared first: a truncated file is caught
 * without reading it.
 */
export async function checkArchive(archive: string, manifest: Manifest): Promise<void> {
  const size = await sizeOf(archive);
  const fix = { hint: 'do not restore it: use another backup (`sdk db backups list`), or make a new one with `sdk db backup` with `verify`' };
  if (size === undefined) throw new MigratorError('E_BACKUP_CHECKSUM', `${archive} is missing: its manifest is there but the archive is not`, fix);
  if (size !== manifest.sizeBytes) {
    throw new MigratorError('E_BACKUP_CHECKSUM', `${archive} is ${size} bytes but its manifest recorded ${manifest.sizeBytes}: the file is truncated or was changed`, fix);
  }
  const { sha256 } = await checksum(archive);
  if (sha256 !== manifest.sha256) {
    throw new MigratorError('E_BACKUP_CHECKSUM', `${archive} does not match its manifest: sha256 ${sha256.slice(0, 12)}…, recorded ${manifest.sha256.slice(0, 12)}…; the file is corrupted or was changed`, fix);
  }
}

/** Removes an archive (file or directory) and its manifest. */
export async function removeBackup(archive: string): Promise<void> {
  await rm(manifestPathOf(archive), { recursive: true, force: true });
  await rm(archive, { recursive: true, force: true });
}

/** Makes an archive (and a directory archive's files) readable by its owner only. */
export async function makePrivate(archive: string): Promise<void> {
  const info = await stat(archive);
  if (!info.isDirectory()) {
    await chmod(archive, 0o600);
    return;
  }
  await chmod(archive, 0o700);
  for (const name of await readdir(archive)) await chmod(join(archive, name), 0o600);
}
