import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { MigratorError } from '../errors.js';
import { chainKeys, LintCache, severities, type LintCacheStats } from './cache.js';
import type { InputRecorder } from './inputs.js';
import { loadJudge } from './judge-loader.js';
import { readMigration } from './read.js';
import type { SequenceFile } from './sequence.js';
import type { FileReport, LintReport, LintRule } from './types.js';

/** The newest PostgreSQL major the verdicts know; the default without a target database. */
export const NEWEST_PG_VERSION = 18;
/** The oldest major whose behaviour the rules describe (10: before constant defaults stopped rewriting). */
export const OLDEST_PG_VERSION = 10;

export interface LintOptions {
  /** Files and folders (folders: every `.sql` file below, in migration order). */
  paths: readonly string[];
  pgVersion?: number | undefined;
  rules?: readonly LintRule[] | undefined;
  /**
   * Keep reports in this file and reuse them while nothing they depend on changed (lint/cache.ts):
   * a re-run with nothing changed neither loads the parser nor judges anything. The sdk CLI keeps
   * it in `node_modules/.cache/sdk`. Ignored with custom `rules`, whose code the cache cannot see.
   */
  cacheFile?: string | undefined;
  /**
   * Records every file and folder the run reads (stat'ed before it is read), so a caller can tell
   * later, with stat calls, that a run would read the same and judge the same (lint/inputs.ts).
   */
  inputs?: InputRecorder | undefined;
}

export interface LintResult {
  report: LintReport;
  /** File texts by report path, for code frames. */
  sources: Map<string, string>;
  /** What the cache did, when `cacheFile` was given. */
  cache?: LintCacheStats | undefined;
}

/**
 * Lints migration files. Files of one folder are linted in migration order (the drizzle journal's
 * order when the folder has `meta/_journal.json`, else by name), and the earlier migrations of that
 * folder are read first, without reporting them, so a rule knows what they created: a table from
 * an earlier migration is an existing table with rows, a `varchar(50)` widened to `varchar(100)`
 * keeps its rows, a validated CHECK makes SET NOT NULL instant.
 *
 * @throws MigratorError `E_LINT_PATH` for a path that does not exist or a folder without `.sql` files.
 */
export async function lintPaths(options: LintOptions): Promise<LintResult> {
  const pgVersion = options.pgVersion ?? NEWEST_PG_VERSION;
  checkPgVersion(pgVersion);
  const folders = new Folders(options.inputs);
  const targets = collect(options.paths, folders);
  const cache = options.cacheFile !== undefined && options.rules === undefined ? LintCache.open(options.cacheFile, pgVersion) : undefined;
  const sources = new Map<string, string>();
  // One knowledge per folder: migrations of one folder build on each other.
  const byFolder = new Map<string, string[]>();
  for (const file of targets) {
    const folder = dirname(file.absolute);
    const list = byFolder.get(folder);
    if (list) list.push(file.absolute);
    else byFolder.set(folder, [file.absolute]);
  }
  const reports = new Map<string, FileReport>();
  const display = new Map(targets.map((t) => [t.absolute, t.display]));
  /** Folders with a file to judge, and the first such file: the files before it are cache hits. */
  const toJudge: { files: SequenceFile[]; keys: string[] | undefined; from: number }[] = [];
  for (const [folder, wanted] of byFolder) {
    const ordered = folders.migrationOrder(folder);
    const position = new Map(ordered.map((file, i) => [file, i]));
    const wantedSet = new Set(wanted);
    // Earlier migrations of the folder first (read, not reported); a non-.sql file given by name last.
    let last = -1;
    for (const w of wanted) last = Math.max(last, position.get(w) ?? -1);
    const sequence = [...ordered.slice(0, last + 1), ...wanted.filter((w) => !position.has(w))];
    const read = sequence.map((absolute) => ({ absolute, display: display.get(absolute) ?? absolute, lint: wantedSet.has(absolute), read: readMigration(absolute, display.get(absolute) ?? absolute, options.inputs) }));
    const files: SequenceFile[] = read.map((f) => ({ ...f, read: 'text' in f.read ? f.read.text : f.read }));
    for (const f of files) if (f.lint && typeof f.read === 'string') sources.set(f.display, f.read);
    const keys = cache ? chainKeys(read.map((f) => ({ ...f, content: 'text' in f.read ? f.read.bytes : f.read }))) : undefined;
    let from = files.length;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      if (!file.lint) continue;
      // A file that cannot be read is reported without the parser: nothing to cache.
      const hit = typeof file.read !== 'string' ? file.read : keys && cache?.get(keys[i]!);
      if (hit) reports.set(file.absolute, hit);
      else {
        from = i;
        break;
      }
    }
    if (from < files.length) toJudge.push({ files, keys, from });
  }
  if (toJudge.length > 0) {
    // Loaded only when a file is judged: a run the cache answers never loads the parser or the rules.
    const { lintSequence, loadParser, RULES } = await loadJudge();
    await loadParser();
    for (const { files, keys, from } of toJudge) {
      lintSequence(files, { pgVersion, rules: options.rules ?? RULES }, reports, from);
      if (!cache || !keys) continue;
      files.forEach((file, i) => {
        if (i >= from && file.lint && typeof file.read === 'string') cache.set(keys[i]!, reports.get(file.absolute)!);
      });
    }
    cache?.write();
  }
  const files = targets.map((target) => reports.get(target.absolute)!);
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const counted = severities(file);
    errors += counted.errors;
    warnings += counted.warnings;
  }
  return { report: { pgVersion, files, errors, warnings }, sources, cache: cache?.stats() };
}

export function checkPgVersion(version: number): void {
  if (!Number.isInteger(version) || version < OLDEST_PG_VERSION || version > NEWEST_PG_VERSION) {
    throw new MigratorError('E_PG_VERSION', `PostgreSQL ${version} is not a version the linter knows`, {
      hint: `pass \`pgVersion\` a major version from ${OLDEST_PG_VERSION} to ${NEWEST_PG_VERSION}, e.g. 16`,
    });
  }
}

interface Target {
  absolute: string;
  /** The path as the user gave it (or below the folder they gave), for messages. */
  display: string;
}

function collect(paths: readonly string[], folders: Folders): Target[] {
  const out: Target[] = [];
  const seen = new Set<string>();
  const push = (absolute: string, display: string) => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    out.push({ absolute, display });
  };
  for (const path of paths) {
    const absolute = resolve(path);
    const stats = statSync(absolute, { throwIfNoEntry: false });
    if (!stats) {
      throw new MigratorError('E_LINT_PATH', `${path}: no such file or folder`, { hint: 'pass migration .sql files or a migrations folder, e.g. `pnpm sdk db lint packages/db-config/migrations`' });
    }
    if (stats.isDirectory()) {
      const found = folders.sqlFilesBelow(absolute);
      if (found.length === 0) {
        throw new MigratorError('E_LINT_PATH', `${path}: no .sql files in this folder`, { hint: 'pass the folder drizzle-kit writes migrations to (`out` in drizzle.config.ts)' });
      }
      // join(path, rest) for each file, without normalizing the same prefix a thousand times.
      const prefix = under(normalize(path));
      for (const file of found) push(file, `${prefix}${file.slice(absolute.length + 1)}`);
    } else {
      push(absolute, path);
    }
  }
  return out;
}

/**
 * The folders of one lintPaths call: each listed once (collect() and the lint loop both need a
 * folder's order), and recorded, with the journal, when the call records its inputs.
 */
class Folders {
  private readonly listings = new Map<string, Dirent[]>();
  private readonly orders = new Map<string, string[]>();

  constructor(private readonly inputs: InputRecorder | undefined) {}

  /** `.sql` files below a folder, each folder's files in migration order; dot folders and node_modules skipped. */
  sqlFilesBelow(folder: string): string[] {
    const out: string[] = [];
    const subfolders: string[] = [];
    for (const entry of this.list(folder)) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') subfolders.push(join(folder, entry.name));
    }
    out.push(...this.migrationOrder(folder));
    for (const sub of subfolders.sort()) out.push(...this.sqlFilesBelow(sub));
    return out;
  }

  /** The `.sql` files of one folder in the order they run: the drizzle journal's, then the rest by name. */
  migrationOrder(folder: string): string[] {
    let order = this.orders.get(folder);
    if (!order) this.orders.set(folder, (order = this.readMigrationOrder(folder)));
    return order;
  }

  private list(folder: string): Dirent[] {
    let entries = this.listings.get(folder);
    if (!entries) {
      // Stat'ed before it is listed: an entry added after the stat changes the folder's times.
      const stats = this.inputs ? statSync(folder) : undefined;
      entries = readdirSync(folder, { withFileTypes: true });
      if (stats) this.inputs!.folder(folder, stats, entries);
      this.listings.set(folder, entries);
    }
    return entries;
  }

  private readMigrationOrder(folder: string): string[] {
    const names = this.list(folder).filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.sql')).map((e) => e.name).sort();
    const tags = this.journalTags(join(folder, 'meta', '_journal.json'));
    const present = new Set(names);
    const inJournal = new Set(tags.filter((t) => present.has(t)));
    const prefix = under(folder);
    return [...inJournal, ...names.filter((n) => !inJournal.has(n))].map((n) => `${prefix}${n}`);
  }

  /** The migration file names of a drizzle journal in its order; none without a (readable) journal. */
  private journalTags(journal: string): string[] {
    const stats = statSync(journal, { throwIfNoEntry: false });
    if (!stats) {
      this.inputs?.absent(journal);
      return [];
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(journal);
    } catch {
      // Not readable (a folder of that name, no permission): name order, and a run not to replay.
      this.inputs?.refuse(`${journal} could not be read`);
      return [];
    }
    this.inputs?.file(journal, stats, bytes);
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { entries?: { idx?: number; tag?: string }[] };
      return (parsed.entries ?? []).slice().sort((a, b) => (a.idx ?? 0) - (b.idx ?? 0)).map((e) => `${e.tag}.sql`);
    } catch {
      // A broken journal is the runner's to report (`sdk db status`); lint falls back to name order.
      return [];
    }
  }
}

/** What join(folder, name) puts before a plain file name: `folder/` (`` for `.`, `/` for the root). */
function under(folder: string): string {
  if (folder === '.') return '';
  return folder.endsWith(sep) ? folder : `${folder}${sep}`;
}
