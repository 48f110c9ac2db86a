import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { engineFingerprint } from './fingerprint.js';
import { fileJson, RENDERED_JSON } from './report/machine.js';
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
 * The cache is one file: a line of JSON (the entries, each with where its texts are) and then the
 * texts, so a re-run parses a small index and decodes only the texts it prints. It is written to
 * a temporary file and renamed over the old one, so a concurrent run reads either the old cache
 * or the new one, never half of one; when two runs write, the later rename wins and the other's
 * new reports are judged again next time. A file that is not a whole cache this version wrote
 * (corrupt, truncated, older) is ignored and replaced. A report read from it is a report this
 * same code judged from these same bytes: the cache is never the reason for a different verdict
 * (lint/cache.test.ts compares a whole corpus).
 */

/** Bumped when the cache file's layout changes. */
const FORMAT = 2;

/**
 * How much the cache keeps beyond the reports of the run that writes it: reports of earlier runs
 * (another branch's migrations, other files) up to this many bytes plus the run's own size, most
 * recently used first. A re-run reads the whole file, so it must not grow with every edit.
 */
export const LINT_CACHE_SLACK_BYTES = 4 * 1024 * 1024;

/** `[start, end)` of a text: in characters of the renderJson texts, in bytes of the report texts. */
type Span = [number, number];

/**
 * A file's report as two texts: the JSON of the whole FileReport, parsed only when a caller reads
 * its violations or statements, and its renderJson text, which `--format json` prints as it is.
 * A re-run thus neither builds thousands of objects from the cache nor serializes them again.
 */
interface Entry {
  /** When a run last wrote it (ms since the epoch): older entries are dropped first. */
  used: number;
  path: string;
  errors: number;
  warnings: number;
  report: Span;
  json: Span;
}

/**
 * The first line of the cache file. After it come every entry's renderJson text (decoded in one
 * piece, `jsonBytes` long, `jsonChars` characters), then every entry's report text.
 */
interface Index {
  format: number;
  /** The engine fingerprint and PostgreSQL version every entry was judged with. */
  scope: string;
  jsonBytes: number;
  jsonChars: number;
  /** Length of the texts after the index line: a shorter file was cut off. */
  bytes: number;
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

const EMPTY = Buffer.alloc(0);

export class LintCache {
  private readonly added = new Map<string, FileReport>();
  /** Keys of the entries this run read. */
  private readonly used = new Set<string>();
  hits = 0;

  private constructor(
    readonly file: string,
    /** The engine fingerprint and PostgreSQL version: entries of another scope are never read. */
    private readonly scope: string,
    private readonly entries: Map<string, Entry>,
    /** The renderJson texts the entries' `json` spans point into, decoded when first read. */
    private readonly jsonTexts: Texts,
    /** The report texts the entries' `report` spans point into. */
    private readonly reportTexts: Buffer,
    public problem: string | undefined,
  ) {}

  /** Reads the cache file; a missing, corrupt or foreign one gives an empty cache. */
  static open(file: string, pgVersion: number): LintCache {
    const scope = `${engineFingerprint()}:${pgVersion}`;
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      return new LintCache(file, scope, new Map(), new Texts(EMPTY, 0, file), EMPTY, missing ? undefined : `could not read it: ${(error as Error).message}`);
    }
    try {
      const newline = content.indexOf(10);
      if (newline < 0) throw new Error('no index line');
      const index = JSON.parse(content.toString('utf8', 0, newline)) as Partial<Index> | null;
      if (index?.format !== FORMAT || typeof index.entries !== 'object' || index.entries === null) throw new Error('not a lint cache of this version');
      const texts = content.subarray(newline + 1);
      if (index.bytes !== texts.length) throw new Error(`${texts.length} bytes of texts where the index says ${String(index.bytes)}`);
      const { jsonBytes, jsonChars } = index;
      if (!Number.isInteger(jsonBytes) || !Number.isInteger(jsonChars) || jsonBytes! > texts.length) throw new Error('no length of its renderJson texts');
      // Another engine or PostgreSQL version: none of its entries can hit; they are replaced on write.
      const entries = index.scope === scope ? new Map(Object.entries(index.entries)) : new Map<string, Entry>();
      return new LintCache(file, scope, entries, new Texts(texts.subarray(0, jsonBytes), jsonChars!, file), texts.subarray(jsonBytes), undefined);
    } catch (error) {
      return new LintCache(file, scope, new Map(), new Texts(EMPTY, 0, file), EMPTY, `ignored a corrupt cache file (${(error as Error).message})`);
    }
  }

  /** The report cached under `key`, if the entry has the shape of one. */
  get(key: string): FileReport | undefined {
    const entry = this.entries.get(key);
    if (
      typeof entry?.path !== 'string' ||
      !Number.isInteger(entry.errors) ||
      !Number.isInteger(entry.warnings) ||
      !isSpan(entry.report, this.reportTexts.length) ||
      !isSpan(entry.json, this.jsonTexts.chars)
    ) {
      return undefined;
    }
    this.hits++;
    this.used.add(key);
    return cachedReport(entry, this.jsonTexts, this.reportTexts, this.file);
  }

  set(key: string, report: FileReport): void {
    this.added.set(key, report);
  }

  get misses(): number {
    return this.added.size;
  }

  /**
   * Writes the cache when this run judged anything: the new reports, the ones this run read, and
   * earlier ones most recently used first while the file stays within twice this run's reports
   * plus `slack` bytes. A run that judged nothing leaves the file as it is. Never throws: a cache
   * that cannot be written only costs the next run its time (`problem` says why).
   */
  write(now = Date.now(), slack = LINT_CACHE_SLACK_BYTES): void {
    if (this.added.size === 0) return;
    const entries: Record<string, Entry> = {};
    const json: string[] = [];
    let jsonChars = 0;
    const reports: Buffer[] = [];
    let reportBytes = 0;
    const putJson = (text: string): Span => {
      json.push(text);
      jsonChars += text.length;
      return [jsonChars - text.length, jsonChars];
    };
    const putReport = (text: Buffer): Span => {
      reports.push(text);
      reportBytes += text.length;
      return [reportBytes - text.length, reportBytes];
    };
    for (const [key, report] of this.added) {
      const { errors, warnings } = severities(report);
      entries[key] = { used: now, path: report.path, errors, warnings, report: putReport(Buffer.from(JSON.stringify(report))), json: putJson(fileJson(report)) };
    }
    const keep = (key: string, entry: Entry, used: number) => {
      entries[key] = { ...entry, used, report: putReport(this.reportTexts.subarray(...entry.report)), json: putJson(this.jsonTexts.slice(entry.json)) };
    };
    const older: [string, Entry][] = [];
    for (const [key, entry] of this.entries) {
      if (this.added.has(key) || !isSpan(entry.report, this.reportTexts.length) || !isSpan(entry.json, this.jsonTexts.chars)) continue;
      if (this.used.has(key)) keep(key, entry, now);
      else older.push([key, entry]);
    }
    const budget = 2 * (reportBytes + jsonChars) + slack;
    older.sort((a, b) => b[1].used - a[1].used);
    for (const [key, entry] of older) {
      const size = entry.report[1] - entry.report[0] + entry.json[1] - entry.json[0];
      if (reportBytes + jsonChars + size > budget) break;
      keep(key, entry, entry.used);
    }
    const jsonBuffer = Buffer.from(json.join(''));
    const index: Index = { format: FORMAT, scope: this.scope, jsonBytes: jsonBuffer.length, jsonChars, bytes: jsonBuffer.length + reportBytes, entries };
    const temporary = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(temporary, Buffer.concat([Buffer.from(`${JSON.stringify(index)}\n`), jsonBuffer, ...reports]));
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

function isSpan(span: unknown, length: number): span is Span {
  if (!Array.isArray(span) || span.length !== 2) return false;
  const [start, end] = span as unknown[];
  return Number.isInteger(start) && Number.isInteger(end) && 0 <= (start as number) && (start as number) <= (end as number) && (end as number) <= length;
}

/** The renderJson texts of a cache file: decoded in one piece when the first is read, then sliced. */
class Texts {
  private decoded: string | undefined;

  constructor(
    private readonly bytes: Buffer,
    /** Their length in characters, as the index says. */
    readonly chars: number,
    private readonly file: string,
  ) {}

  slice([start, end]: Span): string {
    if (this.decoded === undefined) {
      const text = this.bytes.toString('utf8');
      if (text.length !== this.chars) throw damaged(this.file, `${text.length} characters of renderJson texts where the index says ${this.chars}`);
      this.decoded = text;
    }
    return this.decoded.slice(start, end);
  }
}

function damaged(file: string, why: string, cause?: unknown): Error {
  return new Error(`the lint cache ${file} is damaged (${why}): delete it, or lint with the cache off (sdk db lint --no-cache)`, { cause });
}

const COUNTS = Symbol('errors and warnings of a cached report');

/**
 * A FileReport whose violations and statements are parsed from the cache when first read; its
 * renderJson text and its counts are there without parsing.
 */
function cachedReport(entry: Entry, json: Texts, reports: Buffer, file: string): FileReport {
  let parsed: FileReport | undefined;
  const full = (): FileReport => {
    try {
      parsed ??= JSON.parse(reports.toString('utf8', ...entry.report)) as FileReport;
    } catch (error) {
      throw damaged(file, (error as Error).message, error);
    }
    return parsed;
  };
  const report = { path: entry.path } as FileReport;
  Object.defineProperties(report, {
    violations: { enumerable: true, get: () => full().violations },
    statements: { enumerable: true, get: () => full().statements },
    [RENDERED_JSON]: { get: () => json.slice(entry.json) },
    [COUNTS]: { value: { errors: entry.errors, warnings: entry.warnings } },
  });
  return report;
}

/** How many error and warning violations a report has (a cached one says without being parsed). */
export function severities(report: FileReport): { errors: number; warnings: number } {
  const counted = (report as { [COUNTS]?: { errors: number; warnings: number } })[COUNTS];
  if (counted) return counted;
  let errors = 0;
  for (const v of report.violations) if (v.severity === 'error') errors++;
  return { errors, warnings: report.violations.length - errors };
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
