import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MigratorError } from '../errors.js';
import { lintPaths, RULES } from '../lint/index.js';
import { combinePlans, renderPlan } from '../operations/render.js';
import { classify } from '../sql/classify.js';
import { loadParser, parseStatements } from '../sql/parse.js';
import type { Phase } from '../sql/types.js';
import {
  readJournal,
  readSnapshot,
  snapshotPath,
  writeAtomically,
  writeDataMigrations,
  writeJournal,
  type JournalEntry,
  type Snapshot,
} from './drizzle-folder.js';
import { operationFiles } from './operation-files.js';
import {
  checkOrder,
  droppedNames,
  snapshotTables,
  targetOf,
  type FileStatement,
  type StatementContext,
} from './drizzle-statements.js';

/**
 * `sdk db generate --safe`: the migrations drizzle-kit has just written, with each statement that
 * an expand/contract operation does safely replaced by that operation's files. drizzle-kit writes
 * one migration per change of the schema; a NOT NULL, a rename, a type change that rewrites the
 * table, a plain CREATE INDEX, a FOREIGN KEY, CHECK or UNIQUE constraint on a table that has rows
 * blocks that table (or breaks the running application) while it runs. The linter knows which of
 * its statements do (with what earlier migrations created); the operations know how to do each
 * one safely; drizzle-kit's snapshots know the columns as they were. No database is read.
 */
export interface SafeRewriteOptions {
  /** drizzle-kit's `out` folder (meta/_journal.json, snapshots). */
  migrationsFolder: string;
  /** Where data migrations go. */
  dataMigrationsFolder: string;
  /** The migrations drizzle-kit just wrote (journal tags), usually one: the last entries of the journal. */
  tags: string[];
  /** Value for existing rows by "schema.table.column" (`public.` may be omitted): an SQL expression. */
  backfill?: Record<string, string>;
  /** Recorded in file headers, e.g. 'sdk db generate --safe'. */
  command: string;
  /** Compute everything, write nothing. */
  dryRun?: boolean;
}

/** One statement drizzle-kit wrote that --safe replaces by an operation. */
export interface SafeRewriteFinding {
  tag: string;
  /** 1-based line of the statement in drizzle-kit's file. */
  line: number;
  statement: string;
  /** The operation that replaces it: `add-required-column`, `rename-column`, ... */
  kind: string;
  /** What the operation does, one line. */
  summary: string;
  /** "schema.table.column" when a value for existing rows is needed and was not given. */
  needsValue?: string;
}

export interface SafeRewriteResult {
  findings: SafeRewriteFinding[];
  /**
   * Each tag whose files changed, with the paths written for it (migrations, snapshots, data
   * migrations; on a dry run, the paths that would be): the tags rewritten, and a later tag of
   * `tags` renumbered after them.
   */
  rewritten: Array<{ tag: string; files: string[] }>;
}

/**
 * What `safeRewrite` would replace, for the prompt: each statement, the operation, and the value
 * for existing rows still missing. Reads the folder, writes nothing.
 *
 * @throws MigratorError `E_OPERATION` when a tag is not among the last entries of the journal, when
 *   an operation cannot do a statement safely (a renamed column that an index uses...), or when a
 *   `backfill` key names no column that needs a value.
 */
export async function findSafeRewrites(options: Omit<SafeRewriteOptions, 'dryRun'>): Promise<SafeRewriteFinding[]> {
  return (await prepare(options)).flatMap((w) => w.findings);
}

/**
 * Replaces each migration of `tags` that has a statement an operation does safely by the files
 * of its operations, as `sdk db new` writes them: the migration's other expand statements first
 * (in their order, under the original tag), then the operations' expand migration, their data
 * migrations (backfills), their contract migrations, and last the migration's other contract
 * statements. The journal gets one entry per file, numbered from the original; each file gets a
 * snapshot, the last one drizzle-kit's own, so its next `generate` finds nothing to do.
 *
 * @example
 * await safeRewrite({ migrationsFolder: 'migrations', dataMigrationsFolder: 'data-migrations', tags: ['0003_phone'],
 *   backfill: { 'auth.users.phone': "'unknown'" }, command: 'sdk db generate --safe' });
 */
export async function safeRewrite(options: SafeRewriteOptions): Promise<SafeRewriteResult> {
  const work = await prepare(options);
  const findings = work.flatMap((w) => w.findings);
  if (findings.length === 0) return { findings, rewritten: [] };
  const folder = resolve(options.migrationsFolder);
  const dataFolder = resolve(options.dataMigrationsFolder);
  const taken = new Set((await operationFiles(folder)).map((f) => f.name));
  const journal = await readJournal(folder);
  const first = journal.entries.findIndex((e) => e.tag === work[0]!.entry.tag);
  const kept = journal.entries.slice(0, first);
  let previous = kept.at(-1);
  let chain = previous ? await readSnapshot(folder, previous.idx) : undefined;
  let index = work[0]!.entry.idx;
  const migrations: Array<{ entry: JournalEntry; text: string; snapshot: Snapshot | undefined }> = [];
  const data: Array<{ name: string; text: string }> = [];
  const rewritten: SafeRewriteResult['rewritten'] = [];
  for (const w of work) {
    // A migration without a statement to replace keeps its text; after a rewritten one it moves.
    const moved = w.entry.idx !== index;
    const files = w.findings.length > 0 ? compose(w, index, operationName(w.entry.tag, taken), options.command) : { migrations: [{ tag: `${pad(index)}${w.entry.tag.slice(4)}`, text: w.text }], data: [] };
    const paths: string[] = [];
    files.migrations.forEach((m, i) => {
      const last = i === files.migrations.length - 1;
      const when = Math.max(w.entry.when + i, (previous?.when ?? 0) + 1);
      const entry: JournalEntry = { ...w.entry, idx: index, tag: m.tag, when };
      // The last file's snapshot is drizzle-kit's own (the schema after all of it); the ones
      // before are the schema before, under fresh ids: only the chain of ids is read of them.
      let snapshot: Snapshot | undefined;
      if (w.snapshot) {
        snapshot = last ? { ...w.snapshot, prevId: chain?.id ?? w.snapshot.prevId } : { ...structuredClone(chain ?? w.snapshot), id: randomUUID(), prevId: chain?.id ?? w.snapshot.prevId };
        chain = snapshot;
        paths.push(snapshotPath(folder, index));
      }
      migrations.push({ entry, text: m.text, snapshot });
      paths.push(join(folder, `${m.tag}.sql`));
      previous = entry;
      index++;
    });
    for (const d of files.data) {
      data.push(d);
      paths.push(join(dataFolder, `${d.name}.mjs`));
    }
    if (w.findings.length > 0 || moved) rewritten.push({ tag: w.entry.tag, files: paths });
  }
  if (options.dryRun) return { findings, rewritten };
  await write(folder, dataFolder, { kept, work, migrations, data });
  return { findings, rewritten };
}

/** The lint rules whose statement an operation does safely, and that operation. */
const OPERATION_OF_RULE: Readonly<Record<string, string>> = {
  'setting-not-null': 'add-required-column',
  'adding-required-column': 'add-required-column',
  'renaming-column': 'rename-column',
  'changing-column-type': 'change-column-type',
  'creating-index-non-concurrently': 'add-index',
  'adding-foreign-key': 'add-foreign-key',
  'adding-check-constraint': 'add-check',
  'adding-unique-constraint': 'add-unique',
};

/** A statement replaced by an operation. */

/** One migration of `tags`, read and analysed. */
interface TagWork {
  entry: JournalEntry;
  path: string;
  text: string;
  snapshot: Snapshot | undefined;
  statements: FileStatement[];
  findings: SafeRewriteFinding[];
}

const pad = (n: number) => String(n).padStart(4, '0');

/** `public.items.name` from `items.name` or `public.items.name`. */
function backfillKey(key: string): string {
  const parts = key.split('.');
  return parts.length === 2 ? `public.${key}` : key;
}

async function prepare(options: Omit<SafeRewriteOptions, 'dryRun'>): Promise<TagWork[]> {
  const folder = resolve(options.migrationsFolder);
  const journal = await readJournal(folder);
  const tags = [...new Set(options.tags)];
  if (tags.length === 0) return [];
  const entries = journal.entries.filter((e) => tags.includes(e.tag));
  const missing = tags.filter((t) => !entries.some((e) => e.tag === t));
  if (missing.length > 0) {
    throw new MigratorError('E_OPERATION', `${missing.join(', ')}: no such migration in ${join(folder, 'meta', '_journal.json')}`, {
      hint: 'give the tags drizzle-kit just wrote (the file names without .sql), e.g. 0003_lovely_hulk',
    });
  }
  const last = journal.entries.slice(-tags.length);
  if (last.some((e) => !tags.includes(e.tag))) {
    throw new MigratorError('E_OPERATION', `${tags.join(', ')} ${tags.length === 1 ? 'is' : 'are'} not the last migration${tags.length === 1 ? '' : 's'} of the journal (it ends with ${last.map((e) => e.tag).join(', ')}): --safe rewrites only what drizzle-kit has just written, since later migrations would have to be renumbered`, {
      hint: 'rewrite a migration right after `drizzle-kit generate` wrote it, before generating the next one; for an older one, write the operation yourself with `sdk db new <operation>`',
    });
  }
  for (const e of entries) {
    if (!e.tag.startsWith(`${pad(e.idx)}_`)) {
      throw new MigratorError('E_OPERATION', `${e.tag} is not numbered like drizzle-kit's default (${pad(e.idx)}_name): --safe renumbers the files it writes that way`, {
        hint: "use drizzle-kit's default migration prefix (`migrations: { prefix: 'index' }` in drizzle.config.ts)",
      });
    }
  }
  const backfill = new Map(Object.entries(options.backfill ?? {}).map(([k, v]) => [backfillKey(k), v]));
  await loadParser();
  const paths = entries.map((e) => join(folder, `${e.tag}.sql`));
  // The linter reads the folder's earlier migrations first: it knows which tables exist (and
  // have rows), which columns keep their rows through a type change, which NOT NULL is proved.
  const { report } = await lintPaths({ paths, rules: RULES.filter((r) => r.id in OPERATION_OF_RULE) });
  const work: TagWork[] = [];
  for (const [i, entry] of entries.entries()) {
    const path = paths[i]!;
    const text = await readFile(path, 'utf8');
    const position = journal.entries.indexOf(entry);
    const before = position > 0 ? await readSnapshot(folder, journal.entries[position - 1]!.idx) : undefined;
    const raw = parseStatements(text, path);
    const phases = classify(raw);
    const violations = report.files[i]!.violations.filter((v) => v.severity === 'error' && v.rule in OPERATION_OF_RULE);
    const context: StatementContext = { file: path, tables: snapshotTables(before), dropped: droppedNames(raw), backfill };
    const statements: FileStatement[] = raw.map((r, n) => {
      const kinds = new Set(violations.filter((v) => v.line === r.line && v.column === r.column).map((v) => OPERATION_OF_RULE[v.rule]!));
      return { raw: r, phase: phases[n]!.phase, reason: phases[n]!.phaseReason, target: kinds.size > 0 ? targetOf(r, kinds, context) : undefined };
    });
    checkOrder(statements, path);
    const findings = statements.flatMap(({ raw: r, target }) =>
      target ? [{ tag: entry.tag, line: r.line, statement: r.sql, kind: target.kind, summary: target.plan.summary, ...(target.needsValue ? { needsValue: target.needsValue } : {}) }] : [],
    );
    work.push({ entry, path, text, snapshot: await readSnapshot(folder, entry.idx), statements, findings });
  }
  // A value for a column nothing here makes NOT NULL is a typo more often than not: say so.
  const columns = work.flatMap((w) => w.statements.flatMap((s) => (s.target?.column ? [s.target.column] : [])));
  const unused = [...backfill.keys()].filter((k) => !columns.includes(k));
  if (unused.length > 0) {
    throw new MigratorError('E_OPERATION', `a value for existing rows was given for ${unused.join(', ')}, but no statement of ${tags.join(', ')} makes ${unused.length === 1 ? 'that column' : 'those columns'} NOT NULL${columns.length ? ` (these need one: ${columns.join(', ')})` : ''}`, {
      hint: columns.length > 0 ? 'name the column as schema.table.column (the names in the database, snake_case in a Drizzle schema)' : 'leave the value out: nothing in this migration needs one',
    });
  }
  return work;
}


// -- Files ----------------------------------------------------------------------------------------

/** `0003_lovely_hulk` -> `lovely_hulk` (lower case, digits and `_`), made unique among the folder's operations. */
function operationName(tag: string, taken: Set<string>): string {
  const base = tag.slice(5).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'change';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

const BREAKPOINT = '\n--> statement-breakpoint\n';

/** One migration's replacement files, numbered from `index`. */
function compose(w: TagWork, index: number, name: string, command: string): { migrations: Array<{ tag: string; text: string }>; data: Array<{ name: string; text: string }> } {
  const rest = w.entry.tag.slice(4);
  const others = (phase: Phase) => w.statements.filter((s) => !s.target && s.phase === phase).map((s) => `${s.raw.sql};`);
  const expand = others('expand');
  const contract = others('contract');
  const migrations: Array<{ tag: string; text: string }> = [];
  if (expand.length > 0) {
    const head = `-- sdk:phase expand\n-- Written by \`${command}\`: the statements of drizzle-kit's ${w.entry.tag}.sql that keep the running application working and need no operation, in their order.`;
    migrations.push({ tag: `${pad(index++)}${rest}`, text: `${head}\n${expand.join(BREAKPOINT)}\n` });
  }
  const plan = combinePlans(w.statements.flatMap((s) => (s.target ? [s.target.plan] : [])));
  const files = renderPlan(plan, { name, firstIndex: index, command });
  index += files.filter((f) => f.kind === 'migration').length;
  migrations.push(...files.filter((f) => f.kind === 'migration').map((f) => ({ tag: f.name, text: f.text })));
  if (contract.length > 0) {
    const head = `-- sdk:phase contract\n-- Written by \`${command}\`: the statements of drizzle-kit's ${w.entry.tag}.sql that the application version running before the deploy cannot work with, in their order; \`sdk db migrate --phase expand\` stops before them.`;
    migrations.push({ tag: `${pad(index++)}${rest}_rest`, text: `${head}\n${contract.join(BREAKPOINT)}\n` });
  }
  return { migrations, data: files.filter((f) => f.kind === 'data-migration').map((f) => ({ name: f.name, text: f.text })) };
}

/**
 * Writes the new files, then the journal, then removes what they replace: until the journal is
 * written, the folder still reads as drizzle-kit left it (the new files are extra, not in it).
 */
async function write(
  folder: string,
  dataFolder: string,
  plan: { kept: JournalEntry[]; work: TagWork[]; migrations: Array<{ entry: JournalEntry; text: string; snapshot: Snapshot | undefined }>; data: Array<{ name: string; text: string }> },
): Promise<void> {
  const replaced = new Set(plan.work.flatMap((w) => [w.path, snapshotPath(folder, w.entry.idx)]));
  for (const m of plan.migrations) {
    const path = join(folder, `${m.entry.tag}.sql`);
    if (existsSync(path) && !replaced.has(path)) {
      throw new MigratorError('E_OPERATION', `${path} exists already and is not in the journal`, { hint: 'move it away (or delete it), then run the command again' });
    }
  }
  if (plan.data.length > 0 && existsSync(dataFolder)) {
    const existing = new Set((await readdir(dataFolder)).map((f) => f.replace(/\.(ts|mts|js|mjs)$/, '')));
    const clash = plan.data.find((d) => existing.has(d.name));
    if (clash) throw new MigratorError('E_OPERATION', `a data migration named ${clash.name} exists already in ${dataFolder}`, { hint: 'move it away (or delete it), then run the command again' });
  }
  await writeDataMigrations(dataFolder, plan.data);
  const written = new Set<string>();
  for (const m of plan.migrations) {
    const path = join(folder, `${m.entry.tag}.sql`);
    await writeAtomically(path, m.text);
    written.add(path);
    if (m.snapshot) {
      await writeAtomically(snapshotPath(folder, m.entry.idx), `${JSON.stringify(m.snapshot, null, 2)}\n`);
      written.add(snapshotPath(folder, m.entry.idx));
    }
  }
  const journal = await readJournal(folder);
  // The tags are the journal's last entries: they are replaced, nothing after them moves.
  await writeJournal(folder, { ...journal, entries: [...plan.kept, ...plan.migrations.map((m) => m.entry)] });
  for (const path of replaced) if (!written.has(path)) await rm(path, { force: true });
}

