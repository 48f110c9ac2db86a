import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';

/**
 * What a lint run read, recorded so a later run can tell, with stat calls alone, that none of it
 * changed and the run's result still holds (the CLI then prints the recorded report: lint-replay
 * in apps/cli). This is git's index applied to a whole run:
 *
 * - every file read, by size, modification and change time, and inode, stat'ed *before* it is
 *   read: a write after the stat gives the file a later change time, so the record never pairs
 *   new bytes with an old verdict;
 * - every folder listed, by the same (adding, removing or renaming an entry changes the folder's
 *   times), and every path looked for and not found;
 * - every package folder the code is loaded from, by its inode alone: a link pointed at another
 *   install (pnpm's upgrade) is another folder, while an entry added beside the package's files
 *   (a build log, a test's scratch folder) changes nothing the run read;
 * - the change time is the kernel's and cannot be set from user space (`touch -d` sets only the
 *   modification time), so restoring a file's old time after an edit is still seen.
 *
 * Timestamps have a granularity (a clock tick on ext4 and xfs, a second or two elsewhere), so a
 * file written again within the same tick as the stat could keep all its stat fields. Like git's
 * "racily clean" entries, a file or folder whose change time is within RACY_WINDOW_MS of the run's
 * start also keeps a hash of its bytes (of its names, for a folder), and a check compares that.
 */
export const RACY_WINDOW_MS = 2_000;

/** A file read by the run: `hash` only when it changed close to the run's start. */
export interface RecordedFile {
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hash?: string;
}

/** A folder listed by the run: `hash` (of its sorted entry names) only when it changed close to the run's start. */
export interface RecordedFolder {
  path: string;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hash?: string;
}

/** A package folder the code is loaded from, by identity: the files read from it are recorded as files. */
export interface RecordedPackage {
  path: string;
  ino: number;
}

export interface LintInputs {
  /** When the run started (ms since the epoch): what "close to the start" is measured from. */
  started: number;
  files: RecordedFile[];
  folders: RecordedFolder[];
  packages: RecordedPackage[];
  /** Paths the run looked for and did not find (a journal, a config file). */
  absent: string[];
}

export class InputRecorder {
  readonly started = Date.now();
  private readonly files = new Map<string, RecordedFile>();
  private readonly folders = new Map<string, RecordedFolder>();
  private readonly packages = new Map<string, RecordedPackage>();
  private readonly absentPaths = new Set<string>();
  /** Why the run cannot be replayed, when something it read could not be recorded. */
  unrecordable: string | undefined;

  /** A file the run read; `stats` taken before the read, `bytes` what the read gave (read here when needed and not given). */
  file(path: string, stats: Stats, bytes?: Uint8Array): void {
    if (this.files.has(path)) return;
    const entry: RecordedFile = { path, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
    if (this.racy(stats)) entry.hash = hashOf(bytes ?? readFileSync(path));
    this.files.set(path, entry);
  }

  /** A file the run read, stat'ed and read here (a config file, a package's version). */
  fileAt(path: string): void {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) this.absent(path);
    else this.file(path, stats);
  }

  /** A folder the run listed; `stats` taken before the listing, `entries` what the listing gave. */
  folder(path: string, stats: Stats, entries: readonly Dirent[]): void {
    if (this.folders.has(path)) return;
    const entry: RecordedFolder = { path, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
    if (this.racy(stats)) entry.hash = namesHash(entries);
    this.folders.set(path, entry);
  }

  /** A package folder the run loads code from (through its link, if any): recorded by inode only, not by its entries. */
  packageFolder(path: string, stats: Stats): void {
    if (!this.packages.has(path)) this.packages.set(path, { path, ino: stats.ino });
  }

  /** A path the run looked for and did not find. */
  absent(path: string): void {
    this.absentPaths.add(path);
  }

  /** Marks the run as one that cannot be replayed (say why). */
  refuse(why: string): void {
    this.unrecordable ??= why;
  }

  inputs(): LintInputs {
    return { started: this.started, files: [...this.files.values()], folders: [...this.folders.values()], packages: [...this.packages.values()], absent: [...this.absentPaths] };
  }

  private racy(stats: Stats): boolean {
    return Math.max(stats.ctimeMs, stats.mtimeMs) >= this.started - RACY_WINDOW_MS;
  }
}

/** The first input found no longer as the run read it: its path and what differs. */
export interface InputChange {
  /** Absent when the record itself is damaged. */
  path?: string;
  /** What differs: "is gone", "appeared", "changed (size)", "changed (change time)", ... */
  change: string;
}

/**
 * What a run read that is no longer as it was (the first one found); undefined when everything is:
 * every file and folder with the same stat fields (and, for those recorded close to the run's
 * start, the same bytes or names), every package folder the same one, every absent path still
 * absent. A record that is not one (a damaged file's JSON) is changed. The CLI says it with
 * `--verbose` when a run is not replayed, so a record that never replays can be explained.
 */
export function changedInput(inputs: LintInputs): InputChange | undefined {
  if (!Array.isArray(inputs?.files) || !Array.isArray(inputs.folders) || !Array.isArray(inputs.packages) || !Array.isArray(inputs.absent)) return { change: 'the record is damaged' };
  for (const file of inputs.files) {
    const stats = statSync(file.path, { throwIfNoEntry: false });
    if (!stats?.isFile()) return { path: file.path, change: 'is gone' };
    const field = stats.size !== file.size ? 'size' : stats.mtimeMs !== file.mtimeMs ? 'modification time' : stats.ctimeMs !== file.ctimeMs ? 'change time' : stats.ino !== file.ino ? 'inode' : undefined;
    if (field) return { path: file.path, change: `changed (${field})` };
    if (file.hash !== undefined && hashOf(readFileSync(file.path)) !== file.hash) return { path: file.path, change: 'changed (content)' };
  }
  for (const folder of inputs.folders) {
    const stats = statSync(folder.path, { throwIfNoEntry: false });
    if (!stats?.isDirectory()) return { path: folder.path, change: 'is gone' };
    const field = stats.mtimeMs !== folder.mtimeMs ? 'modification time' : stats.ctimeMs !== folder.ctimeMs ? 'change time' : stats.ino !== folder.ino ? 'inode' : undefined;
    if (field) return { path: folder.path, change: `changed (${field})` };
    if (folder.hash !== undefined && namesHash(readdirSync(folder.path, { withFileTypes: true })) !== folder.hash) return { path: folder.path, change: 'changed (entries)' };
  }
  for (const pkg of inputs.packages) {
    const stats = statSync(pkg.path, { throwIfNoEntry: false });
    if (!stats?.isDirectory()) return { path: pkg.path, change: 'is gone' };
    if (stats.ino !== pkg.ino) return { path: pkg.path, change: 'is another folder' };
  }
  for (const path of inputs.absent) if (statSync(path, { throwIfNoEntry: false })) return { path, change: 'appeared' };
  return undefined;
}

/**
 * The inputs as a check at `started` (changedInput, just found nothing) leaves them: entries that were
 * racy when recorded and are now older than RACY_WINDOW_MS keep no hash (their stat fields now
 * say it all, as git refreshes an index entry), measured from `started`. Undefined when no entry
 * changes, so the caller need not write the record again.
 */
export function settledInputs(inputs: LintInputs, started: number): LintInputs | undefined {
  const settled = (entry: { hash?: string; mtimeMs: number; ctimeMs: number }) => entry.hash !== undefined && Math.max(entry.ctimeMs, entry.mtimeMs) < started - RACY_WINDOW_MS;
  if (!inputs.files.some(settled) && !inputs.folders.some(settled)) return undefined;
  const drop = <T extends { hash?: string; mtimeMs: number; ctimeMs: number }>(entry: T): T => {
    if (!settled(entry)) return entry;
    const { hash: _hash, ...rest } = entry;
    return rest as T;
  };
  return { started, files: inputs.files.map(drop), folders: inputs.folders.map(drop), packages: inputs.packages, absent: inputs.absent };
}

function hashOf(bytes: Uint8Array): string {
  // node:crypto takes about 9 ms to load: only a run that hashes (a racy entry) pays it.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(bytes).digest('base64url');
}

/** A folder's entries, by name and kind (a file replaced by a folder of that name is a change). */
function namesHash(entries: readonly Dirent[]): string {
  const names = entries.map((e) => `${e.isDirectory() ? 'd' : 'f'}:${e.name}`).sort();
  return hashOf(Buffer.from(names.join('\0')));
}
