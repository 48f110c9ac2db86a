import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MigratorError } from '../errors.js';
import { loadParser } from '../sql/parse.js';
import { RULES } from './registry.js';
import { lintSequence } from './sequence.js';
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
}

export interface LintResult {
  report: LintReport;
  /** File texts by report path, for code frames. */
  sources: Map<string, string>;
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
  await loadParser();
  orderCache.clear();
  const rules = options.rules ?? RULES;
  const targets = collect(options.paths);
  const sources = new Map<string, string>();
  const files: FileReport[] = [];
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
  for (const [folder, wanted] of byFolder) {
    const ordered = migrationOrder(folder);
    const position = new Map(ordered.map((file, i) => [file, i]));
    const wantedSet = new Set(wanted);
    // Earlier migrations of the folder first (read, not reported); a non-.sql file given by name last.
    let last = -1;
    for (const w of wanted) last = Math.max(last, position.get(w) ?? -1);
    const sequence = [...ordered.slice(0, last + 1), ...wanted.filter((w) => !position.has(w))];
    const members = sequence.map((absolute) => ({ absolute, display: display.get(absolute) ?? absolute, lint: wantedSet.has(absolute) }));
    lintSequence(members, { pgVersion, rules }, reports, sources);
  }
  for (const target of targets) files.push(reports.get(target.absolute)!);
  const all = files.flatMap((f) => f.violations);
  return {
    report: { pgVersion, files, errors: all.filter((v) => v.severity === 'error').length, warnings: all.filter((v) => v.severity === 'warning').length },
    sources,
  };
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

function collect(paths: readonly string[]): Target[] {
  const out: Target[] = [];
  const seen = new Set<string>();
  const push = (absolute: string, display: string) => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    out.push({ absolute, display });
  };
  for (const path of paths) {
    const absolute = resolve(path);
    if (!existsSync(absolute)) {
      throw new MigratorError('E_LINT_PATH', `${path}: no such file or folder`, { hint: 'pass migration .sql files or a migrations folder, e.g. `pnpm sdk db lint packages/db-config/migrations`' });
    }
    if (statSync(absolute).isDirectory()) {
      const found = sqlFilesBelow(absolute);
      if (found.length === 0) {
        throw new MigratorError('E_LINT_PATH', `${path}: no .sql files in this folder`, { hint: 'pass the folder drizzle-kit writes migrations to (`out` in drizzle.config.ts)' });
      }
      for (const file of found) push(file, join(path, file.slice(absolute.length + 1)));
    } else {
      push(absolute, path);
    }
  }
  return out;
}

/** `.sql` files below a folder, each folder's files in migration order; dot folders and node_modules skipped. */
function sqlFilesBelow(folder: string): string[] {
  const out: string[] = [];
  const subfolders: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') subfolders.push(join(folder, entry.name));
  }
  out.push(...migrationOrder(folder));
  for (const sub of subfolders.sort()) out.push(...sqlFilesBelow(sub));
  return out;
}

/** The `.sql` files of one folder in the order they run: the drizzle journal's, then the rest by name. */
function migrationOrder(folder: string): string[] {
  let order = orderCache.get(folder);
  if (!order) orderCache.set(folder, (order = readMigrationOrder(folder)));
  return order;
}

/** Folder orders of the current lintPaths call (collect() and the lint loop both need them). */
const orderCache = new Map<string, string[]>();

function readMigrationOrder(folder: string): string[] {
  const names = readdirSync(folder, { withFileTypes: true }).filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.sql')).map((e) => e.name).sort();
  const journal = join(folder, 'meta', '_journal.json');
  let tags: string[] = [];
  if (existsSync(journal)) {
    try {
      const parsed = JSON.parse(readFileSync(journal, 'utf8')) as { entries?: { idx?: number; tag?: string }[] };
      tags = (parsed.entries ?? []).slice().sort((a, b) => (a.idx ?? 0) - (b.idx ?? 0)).map((e) => `${e.tag}.sql`);
    } catch {
      // A broken journal is the runner's to report (`sdk db status`); lint falls back to name order.
    }
  }
  const present = new Set(names);
  const inJournal = new Set(tags.filter((t) => present.has(t)));
  return [...inJournal, ...names.filter((n) => !inJournal.has(n))].map((n) => join(folder, n));
}
