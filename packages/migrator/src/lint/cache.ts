import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileReport } from './types.js';

/**
 * The lint cache: a file's report, kept under a key that changes with everything the report
 * depends on, so a re-run with nothing changed reads reports instead of parsing and judging:
 *
 * - the linter's own code (`engineFingerprint`: every module lint/ may import, by layers.test.ts)
 *   and the parser's version, so a changed rule, message or parser re-judges everything;
 * - the target PostgreSQL version;
 * - the bytes and the paths of the file, and of every migration before it in its folder, chained
 *   (`chainKeys`): a file is judged with what the earlier migrations created, typed and
 *   validated, so a change to one of them (one byte is enough) re-judges every later file.
 *
 * The cache is one JSON file, written to a temporary file and renamed over the old one, so a
 * concurrent run reads either the old cache or the new one, never half of one; when two runs
 * write, the later rename wins and the other's new reports are judged again next time. A file
 * that is not a cache this version wrote (corrupt, truncated, older) is ignored and replaced.
 * A report read from it is a report this same code judged from these same bytes: the cache is
 * never the reason for a different verdict (lint/cache.test.ts compares a whole corpus).
 */

/** Bumped when the cache file's layout changes. */
const FORMAT = 1;

/** Reports kept across runs beyond the current run's (the least recently used go first). */
export const MAX_LINT_CACHE_ENTRIES = 20_000;

interface Entry {
  /** When a run last wrote it (ms since the epoch): older entries are dropped first. */
  used: number;
  report: FileReport;
}

interface CacheFile {
  format: number;
  /** The engine fingerprint and PostgreSQL version every entry was judged with. */
  scope: string;
  entries: Record<string, Entry>;
}

export interface LintCacheStats {
  /** The cache file. */
  file: string;
  /** Linted files whose report came from the cache. */
  hits: number;
  /** Linted files judged in this run. */
  misses: number;
  /** Why the cache file was not read (corrupt, unreadable) or not written, when it was not; the run's reports are right either way. */
  problem?: string | undefined;
}

export class LintCache {
  private readonly entries: Map<string, Entry>;
  private readonly added = new Map<string, FileReport>();
  hits = 0;
  problem: string | undefined;

  private constructor(
    readonly file: string,
    /** The engine fingerprint and PostgreSQL version: entries of another scope are never read. */
    private readonly scope: string,
    entries: Map<string, Entry>,
    problem: string | undefined,
  ) {
    this.entries = entries;
    this.problem = problem;
  }

  /** Reads the cache file; a missing, corrupt or foreign one gives an empty cache. */
  static open(file: string, pgVersion: number): LintCache {
    const scope = `${engineFingerprint()}:${pgVersion}`;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      return new LintCache(file, scope, new Map(), missing ? undefined : `could not read it: ${(error as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<CacheFile> | null;
      if (parsed?.format !== FORMAT || typeof parsed.entries !== 'object' || parsed.entries === null) throw new Error('not a lint cache of this version');
      // Another engine or PostgreSQL version: none of its entries can hit; they are replaced on write.
      const entries = parsed.scope === scope ? new Map(Object.entries(parsed.entries)) : new Map<string, Entry>();
      return new LintCache(file, scope, entries, undefined);
    } catch (error) {
      return new LintCache(file, scope, new Map(), `ignored a corrupt cache file (${(error as Error).message})`);
    }
  }

  /** The report cached under `key`, if it has the shape of one. */
  get(key: string): FileReport | undefined {
    const report = this.entries.get(key)?.report;
    if (!report || typeof report.path !== 'string' || !Array.isArray(report.violations) || !Array.isArray(report.statements)) return undefined;
    this.hits++;
    return report;
  }

  set(key: string, report: FileReport): void {
    this.added.set(key, report);
  }

  get misses(): number {
    return this.added.size;
  }

  /**
   * Writes the cache when this run judged anything: the new reports, and the earlier entries
   * that fit under MAX_LINT_CACHE_ENTRIES, most recently written first. A run that judged
   * nothing leaves the file as it is. Never throws: a cache that cannot be written only costs
   * the next run its time (`problem` says why).
   */
  write(now = Date.now()): void {
    if (this.added.size === 0) return;
    const entries: Record<string, Entry> = {};
    const kept = [...this.entries].filter(([key]) => !this.added.has(key)).sort((a, b) => b[1].used - a[1].used).slice(0, Math.max(0, MAX_LINT_CACHE_ENTRIES - this.added.size));
    for (const [key, report] of this.added) entries[key] = { used: now, report };
    for (const [key, entry] of kept) entries[key] = entry;
    const content: CacheFile = { format: FORMAT, scope: this.scope, entries };
    const temporary = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(temporary, JSON.stringify(content));
      // rename(2) replaces the file in one step: a concurrent reader sees the old cache or the new one.
      renameSync(temporary, this.file);
    } catch (error) {
      rmSync(temporary, { force: true });
      this.problem = `could not write it: ${(error as Error).message}`;
    }
  }

  stats(): LintCacheStats {
    return { file: this.file, hits: this.hits, misses: this.misses, problem: this.problem };
  }
}

/** One migration of a folder as the cache keys it: its paths, whether it is linted, and its bytes (or why it cannot be read). */
export interface KeyedFile {
  absolute: string;
  display: string;
  lint: boolean;
  /** The file's bytes; for a file that cannot be read, the report that says why. */
  content: Uint8Array | FileReport;
}

/**
 * The cache key of each file of a folder, in run order: a hash of the previous file's key and
 * this file's paths, lint flag and bytes. A file's key thus covers every migration before it,
 * which is what its verdict may depend on.
 */
export function chainKeys(files: readonly KeyedFile[]): string[] {
  let previous = '';
  return files.map((file) => {
    const hash: Hash = createHash('sha256');
    hash.update(`${previous}\0${file.absolute}\0${file.display}\0${file.lint ? 1 : 0}\0`);
    if (file.content instanceof Uint8Array) hash.update(file.content);
    else hash.update(`unreadable\0${JSON.stringify(file.content.violations)}`);
    previous = hash.digest('base64url');
    return previous;
  });
}

let fingerprint: string | undefined;

/**
 * A fingerprint of the code that judges a file: the name, size and modification time of every
 * module lint/ can load (its own folder and the floor below it: layers.test.ts keeps it so), the
 * parser's version, this package's version and Node's. A rebuild writes new modification times;
 * an installed release differs by version. Stat calls only: reading every module would cost more
 * than the rest of a cached run.
 */
export function engineFingerprint(): string {
  if (fingerprint) return fingerprint;
  const src = dirname(dirname(fileURLToPath(import.meta.url)));
  const hash = createHash('sha256');
  const require = createRequire(import.meta.url);
  const version = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '?';
  hash.update(`node ${process.version}\0sdk ${version(join(src, '..', 'package.json'))}\0libpg-query ${version(require.resolve('libpg-query/package.json'))}\0`);
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(src, folder), { withFileTypes: true })) {
      const name = `${folder}/${entry.name}`;
      // Test fixtures and corpora (`__corpus__`) are not code the linter runs.
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('__')) walk(name);
      } else if (/\.[cm]?[jt]s$/.test(entry.name) && !/\.test\.[jt]s$|\.d\.ts$/.test(entry.name)) {
        const stat = statSync(join(src, name));
        hash.update(`${name}\0${stat.size}\0${stat.mtimeMs}\0`);
      }
    }
  };
  for (const folder of ['lint', 'sql', 'db', 'operations', 'util']) walk(folder);
  for (const name of ['errors.js', 'errors.ts']) {
    if (!existsSync(join(src, name))) continue;
    const stat = statSync(join(src, name));
    hash.update(`${name}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  fingerprint = hash.digest('base64url');
  return fingerprint;
}
