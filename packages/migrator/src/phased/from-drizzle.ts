import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MigratorError } from '../errors.js';
import { lintPaths, RULES } from '../lint/index.js';
import { addCheck } from '../operations/add-check.js';
import { addForeignKey } from '../operations/add-foreign-key.js';
import { addIndex, type AddIndexResolved } from '../operations/add-index.js';
import { addRequiredColumn } from '../operations/add-required-column.js';
import { addUnique } from '../operations/add-unique.js';
import { identifier, qualifiedName, type ColumnInfo, type TableInfo } from '../operations/catalog.js';
import { changeColumnType } from '../operations/change-column-type.js';
import { columnRef, rowExpression } from '../operations/column-ref.js';
import { renameColumn } from '../operations/rename-column.js';
import { combinePlans, renderPlan } from '../operations/render.js';
import type { SyncedColumns } from '../operations/sync-trigger.js';
import type { OperationPlan, OperationStep } from '../operations/types.js';
import {
  bodyOf,
  dropObjectNames,
  foreignKeyActions,
  list,
  stringValue,
  unwrapStatement,
  walk,
  walkObjects,
  type AlterTableCmd,
  type ColumnDef,
  type ForeignKeyAction,
  type Node,
  type RangeVar,
} from '../sql/ast.js';
import { classify } from '../sql/classify.js';
import { makeObjectName } from '../sql/index-name.js';
import { SqlLexer, TOKEN } from '../sql/lexer.js';
import { loadParser, parseStatements } from '../sql/parse.js';
import { quoteIdent } from '../sql/quote.js';
import { SourceText } from '../sql/source-text.js';
import { parseEntries } from '../sql/spans.js';
import type { Phase, RawStatement } from '../sql/types.js';
import { readJournal, readSnapshot, snapshotPath, writeAtomically, writeDataMigrations, writeJournal, type JournalEntry, type Snapshot } from './drizzle-folder.js';
import { operationFiles } from './operation-files.js';

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
interface Target {
  kind: string;
  plan: OperationPlan;
  needsValue?: string | undefined;
  /** add-required-column: the column that needs a value for its existing rows, `schema.table.column`. */
  column?: string | undefined;
  /** Set for rename-column and change-column-type: the columns no other statement of the file may touch. */
  sync?: { table: string; columns: string[]; rename: boolean } | undefined;
  /** Set for add-required-column of a new column: it exists from the operation's expand on. */
  added?: { table: string; column: string } | undefined;
}

interface FileStatement {
  raw: RawStatement;
  phase: Phase;
  /** Why it is in its phase, to start after "it": "drops column public.items.note: ...". */
  reason: string;
  target?: Target | undefined;
}

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

// -- Snapshots: what drizzle-kit knew of each table before the migration ----------------------

interface SnapshotColumn {
  name: string;
  type: string;
  typeSchema?: string;
  primaryKey?: boolean;
  notNull?: boolean;
  default?: unknown;
  identity?: unknown;
  generated?: unknown;
}

interface SnapshotTable {
  name: string;
  schema: string;
  columns?: Record<string, SnapshotColumn>;
  indexes?: Record<string, { name: string; columns?: Array<{ expression: string; isExpression?: boolean }>; where?: string }>;
  foreignKeys?: Record<string, { name: string; tableTo: string; schemaTo?: string; columnsFrom?: string[]; columnsTo?: string[] }>;
  compositePrimaryKeys?: Record<string, { name: string; columns?: string[] }>;
  uniqueConstraints?: Record<string, { name: string; columns?: string[] }>;
  checkConstraints?: Record<string, { name: string; value: string }>;
}

/** The snapshot's tables by `schema.name` (drizzle-kit leaves the schema of a public table empty). */
function snapshotTables(snapshot: Snapshot | undefined): Map<string, SnapshotTable> {
  const tables = (snapshot?.tables ?? {}) as Record<string, SnapshotTable>;
  return new Map(Object.values(tables).map((t) => [`${t.schema || 'public'}.${t.name}`, t]));
}

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial']);

/** The column's type as SQL: drizzle-kit keeps an enum's name and schema apart (`mood`, `public`). */
function sqlType(column: SnapshotColumn): string {
  if (!column.typeSchema) return column.type;
  const base = column.type.replace(/(\[\d*\])+$/, '');
  return `${qualifiedName(column.typeSchema, base)}${column.type.slice(base.length)}`;
}

function columnInfo(column: SnapshotColumn): ColumnInfo {
  return {
    name: column.name,
    type: sqlType(column),
    notNull: column.notNull === true,
    default: column.default === undefined || column.default === null ? null : String(column.default),
    identity: column.identity !== undefined,
    generated: column.generated !== undefined,
  };
}

/** Column names an SQL expression of the snapshot reads; undefined when it does not parse (then it may read any). */
function columnsRead(expression: string): Set<string> | undefined {
  try {
    const names = new Set<string>();
    walk(parseEntries(`SELECT ${expression}`), (obj) => {
      const field = list(obj.ColumnRef?.fields).at(-1);
      const name = stringValue(field);
      if (name) names.add(name);
    });
    return names;
  } catch {
    return undefined;
  }
}

/**
 * Indexes and constraints of the snapshot that use the column and survive this migration (it
 * does not drop them): a rename or type change through a new column would leave them behind.
 */
function usesOf(tables: ReadonlyMap<string, SnapshotTable>, key: string, column: string, dropped: ReadonlySet<string>): string[] {
  const table = tables.get(key)!;
  const reads = (expression: string | undefined) => expression !== undefined && (columnsRead(expression)?.has(column) ?? true);
  const uses: Array<{ what: string; name: string }> = [];
  if (table.columns?.[column]?.primaryKey) uses.push({ what: 'the primary key', name: '' });
  for (const pk of Object.values(table.compositePrimaryKeys ?? {})) if (pk.columns?.includes(column)) uses.push({ what: `primary key ${pk.name}`, name: pk.name });
  for (const u of Object.values(table.uniqueConstraints ?? {})) if (u.columns?.includes(column)) uses.push({ what: `unique constraint ${u.name}`, name: u.name });
  for (const i of Object.values(table.indexes ?? {})) {
    if (i.columns?.some((c) => (c.isExpression ? reads(c.expression) : c.expression === column)) || reads(i.where)) uses.push({ what: `index ${i.name}`, name: i.name });
  }
  for (const fk of Object.values(table.foreignKeys ?? {})) if (fk.columnsFrom?.includes(column)) uses.push({ what: `foreign key ${fk.name}`, name: fk.name });
  for (const c of Object.values(table.checkConstraints ?? {})) if (reads(c.value)) uses.push({ what: `check constraint ${c.name}`, name: c.name });
  for (const [other, t] of tables) {
    for (const fk of Object.values(t.foreignKeys ?? {})) {
      if (`${fk.schemaTo || 'public'}.${fk.tableTo}` === key && fk.columnsTo?.includes(column)) uses.push({ what: `foreign key ${fk.name} of ${other}`, name: fk.name });
    }
  }
  return uses.filter((u) => !dropped.has(u.name)).map((u) => u.what);
}

/** Indexes and constraints a statement of the file drops. */
function droppedNames(statements: readonly RawStatement[]): Set<string> {
  const out = new Set<string>();
  for (const s of statements) {
    const parts = unwrapStatement(s.node);
    if (parts.kind === 'DropStmt' && parts.body.removeType === 'OBJECT_INDEX') for (const name of dropObjectNames(parts.body.objects)) out.add(name.split('.').at(-1)!);
    if (parts.kind === 'AlterTableStmt') {
      for (const item of list(parts.body.cmds)) {
        const cmd = bodyOf(item, 'AlterTableCmd');
        if (cmd?.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string') out.add(cmd.name);
      }
    }
  }
  return out;
}

// -- Statements: the operation that does each one, built from the statement and the snapshot ----

interface StatementContext {
  file: string;
  tables: Map<string, SnapshotTable>;
  dropped: Set<string>;
  backfill: Map<string, string>;
}

interface TableRef {
  schema: string;
  name: string;
  key: string;
  info: TableInfo;
}

function tableRef(relation: RangeVar | undefined, tables?: ReadonlyMap<string, SnapshotTable>): TableRef | undefined {
  if (!relation?.relname) return undefined;
  const schema = relation.schemaname ?? 'public';
  const key = `${schema}.${relation.relname}`;
  const columns = Object.values(tables?.get(key)?.columns ?? {}).map(columnInfo);
  const info: TableInfo = {
    // No catalog here: what the plans read of a table is its name, as SQL and as shown.
    oid: 0,
    schema,
    name: relation.relname,
    sql: qualifiedName(schema, relation.relname),
    display: key,
    partitioned: false,
    columns: new Map(columns.map((c) => [c.name, c])),
    primaryKey: [],
    estimatedRows: 0,
  };
  return { schema, name: relation.relname, key, info };
}

/** The operation for a statement the linter reported, or undefined for a shape no operation has (the statement then stays as it is). */
function targetOf(raw: RawStatement, kinds: ReadonlySet<string>, context: StatementContext): Target | undefined {
  const statement = unwrapStatement(raw.node);
  const refuse = (why: string, hint: string) => new MigratorError('E_OPERATION', `${context.file}:${raw.line}: ${why}`, { hint });
  if (statement.kind === 'RenameStmt' && kinds.has('rename-column') && statement.body.renameType === 'OBJECT_COLUMN') {
    const { subname: from, newname: to } = statement.body;
    const table = tableRef(statement.body.relation, context.tables);
    if (!table || typeof from !== 'string' || typeof to !== 'string') return undefined;
    const old = syncedColumn(table, from, 'rename-column', context, refuse);
    // As renameColumn.resolve() builds it: each column computed from the other, unchanged.
    const synced: SyncedColumns = { table: table.info, old, column: to, type: old.type, forward: (row) => columnRef(row, from), backward: (row) => columnRef(row, to) };
    return { kind: 'rename-column', plan: renameColumn.plan(synced), sync: { table: table.key, columns: [from, to], rename: true } };
  }
  if (statement.kind === 'IndexStmt' && kinds.has('add-index')) {
    const table = tableRef(statement.body.relation);
    const name = statement.body.idxname;
    const create = table && name && !statement.body.concurrent ? withConcurrently(raw.sql) : undefined;
    if (!table || !name || !create) return undefined;
    const resolved: AddIndexResolved = { tableSql: table.info.sql, display: table.info.display, schema: table.schema, name, create: `${create};` };
    return { kind: 'add-index', plan: addIndex.plan(resolved) };
  }
  if (statement.kind !== 'AlterTableStmt' || statement.body.objtype !== 'OBJECT_TABLE') return undefined;
  const cmds = list(statement.body.cmds).map((c) => bodyOf(c, 'AlterTableCmd'));
  const cmd = cmds[0];
  const table = tableRef(statement.body.relation, context.tables);
  // drizzle-kit writes one change per ALTER TABLE; a statement of several is someone's own SQL.
  if (cmds.length !== 1 || !cmd || !table) return undefined;
  return alterTableTarget(raw, cmd, table, kinds, context, refuse);
}

function alterTableTarget(
  raw: RawStatement,
  cmd: AlterTableCmd,
  table: TableRef,
  kinds: ReadonlySet<string>,
  context: StatementContext,
  refuse: (why: string, hint: string) => MigratorError,
): Target | undefined {
  const column = typeof cmd.name === 'string' ? cmd.name : undefined;
  if (cmd.subtype === 'AT_SetNotNull' && column && kinds.has('add-required-column')) {
    const known = context.tables.get(table.key)?.columns?.[column];
    return required(table, column, known ? sqlType(known) : '', true, context);
  }
  if (cmd.subtype === 'AT_AddColumn' && kinds.has('add-required-column')) {
    const def = bodyOf(cmd.def, 'ColumnDef');
    const constraints = list(def?.constraints).map((c) => bodyOf(c, 'Constraint'));
    // NOT NULL alone (and DEFAULT NULL): anything else (a key, a check, a collation) the operation does not add.
    const plain = constraints.every((c) => c?.contype === 'CONSTR_NOTNULL' || (c?.contype === 'CONSTR_DEFAULT' && bodyOf(c.raw_expr, 'A_Const')?.isnull === true));
    const type = def && plain && !def.collClause && typeof def.colname === 'string' ? columnTypeText(raw.sql, def) : undefined;
    return type ? required(table, def!.colname!, type, false, context) : undefined;
  }
  if (cmd.subtype === 'AT_AlterColumnType' && column && kinds.has('change-column-type')) {
    const def = bodyOf(cmd.def, 'ColumnDef');
    const written = def && !def.collClause ? alterTypeText(raw.sql) : undefined;
    if (!written) return undefined;
    const old = syncedColumn(table, column, 'change-column-type', context, refuse);
    const scratch = identifier(`${column}_sdk_new`);
    if (table.info.columns.has(scratch)) {
      throw refuse(`${table.info.display} has a column ${scratch} already, the name change-column-type builds the new type in`, `rename or drop ${scratch} first`);
    }
    // `USING "col"` is what ALTER COLUMN TYPE does without a USING clause: a cast.
    const using = written.using !== undefined && !isColumn(def?.raw_default, column) ? written.using : undefined;
    // As changeColumnType.resolve() builds it, with two differences. No database to ask whether
    // the new type casts back: the cast back only serves a write of the new column itself, which
    // no version of the application makes (both use the old name). And the default goes back as
    // written: SET DEFAULT coerces it to the new type as an assignment, as drizzle-kit's ALTER
    // COLUMN ... TYPE does, so the column ends with the default drizzle-kit's migration gives it.
    const synced: SyncedColumns = {
      table: table.info,
      old,
      column: scratch,
      type: written.type,
      forward: (row) => (using ? rowExpression(row, using) : `${columnRef(row, column)}::${written.type}`),
      backward: (row) => `${columnRef(row, scratch)}::${old.type}`,
    };
    return { kind: 'change-column-type', plan: changeColumnType.plan(synced), sync: { table: table.key, columns: [column], rename: false } };
  }
  const constraint = cmd.subtype === 'AT_AddConstraint' ? bodyOf(cmd.def, 'Constraint') : undefined;
  if (!constraint || constraint.skip_validation === true || constraint.deferrable || constraint.initdeferred) return undefined;
  const name = typeof constraint.conname === 'string' ? constraint.conname : undefined;
  if (constraint.contype === 'CONSTR_FOREIGN' && kinds.has('add-foreign-key')) {
    const columns = names(constraint.fk_attrs);
    const references = constraint.pktable?.relname;
    if (!references || (constraint.fk_matchtype !== undefined && constraint.fk_matchtype !== 's') || list(constraint.fk_del_set_cols).length > 0) return undefined;
    const { onDelete, onUpdate } = foreignKeyActions(constraint);
    const refColumns = names(constraint.pk_attrs);
    const definition =
      `FOREIGN KEY (${columns.map(quoteIdent).join(', ')}) REFERENCES ${qualifiedName(constraint.pktable?.schemaname ?? 'public', references)}` +
      (refColumns.length > 0 ? ` (${refColumns.map(quoteIdent).join(', ')})` : '') +
      (actionWords(onDelete) ? ` ON DELETE ${actionWords(onDelete)}` : '') +
      (actionWords(onUpdate) ? ` ON UPDATE ${actionWords(onUpdate)}` : '');
    const resolved = { tableSql: table.info.sql, display: table.info.display, name: name ?? makeObjectName(table.name, columns.join('_'), 'fkey'), definition };
    return { kind: 'add-foreign-key', plan: addForeignKey.plan(resolved) };
  }
  if (constraint.contype === 'CONSTR_CHECK' && kinds.has('add-check')) {
    const check = name && !constraint.is_no_inherit ? checkText(raw.sql) : undefined;
    return check ? { kind: 'add-check', plan: addCheck.plan({ tableSql: table.info.sql, display: table.info.display, name: name!, check }) } : undefined;
  }
  if (constraint.contype === 'CONSTR_UNIQUE' && kinds.has('add-unique')) {
    const columns = names(constraint.keys);
    const plain = !constraint.indexname && !constraint.indexspace && list(constraint.including).length === 0 && !constraint.nulls_not_distinct && list(constraint.options).length === 0;
    if (!plain || columns.length === 0) return undefined;
    const constraintName = name ?? makeObjectName(table.name, columns.join('_'), 'key');
    const resolved = { tableSql: table.info.sql, display: table.info.display, schema: table.schema, name: constraintName, index: identifier(`${constraintName}_sdk_idx`), columns };
    return { kind: 'add-unique', plan: addUnique.plan(resolved) };
  }
  return undefined;
}

/** add-required-column: the value for existing rows from `backfill`, or the data migration's placeholder. */
function required(table: TableRef, column: string, type: string, exists: boolean, context: StatementContext): Target {
  const key = `${table.key}.${column}`;
  const value = context.backfill.get(key);
  // No default: drizzle-kit writes one into ADD COLUMN when the schema has it (and then nothing is reported).
  const plan = addRequiredColumn.plan({ tableSql: table.info.sql, tableName: table.name, display: table.info.display, column, type, default: null, backfill: value, exists });
  const missing = `no value was given for the existing rows of ${key}: set its placeholder (\`const value... = undefined\`) at the top of this data migration to an SQL expression (it may read the row's other columns), e.g. "'unknown'", then run \`sdk db migrate\` again`;
  const steps: OperationStep[] = plan.steps.map((s) => (s.kind === 'backfill' && s.missing !== undefined ? { ...s, missing } : s));
  return { kind: 'add-required-column', plan: { ...plan, steps }, column: key, needsValue: value === undefined ? key : undefined, added: exists ? undefined : { table: table.key, column } };
}

/** The old column of a rename or type change, refused where the trigger pattern cannot carry it. */
function syncedColumn(table: TableRef, column: string, operation: string, context: StatementContext, refuse: (why: string, hint: string) => MigratorError): ColumnInfo {
  const known = context.tables.get(table.key)?.columns?.[column];
  if (!known) {
    throw refuse(`drizzle-kit's snapshot before this migration has no column ${table.key}.${column}, whose type, default and NOT NULL ${operation} needs`, `generate without --safe, then write the operation with \`sdk db new ${operation}\`, which reads them from the database`);
  }
  const old = columnInfo(known);
  if (old.identity || old.generated || SERIAL_TYPES.has(known.type)) {
    throw refuse(`${table.key}.${column} is ${old.generated ? 'a generated column' : 'filled by a sequence (identity or serial)'}: ${operation} cannot copy it through a trigger`, 'keep the column as it is; for a sequence-filled key, rebuild the table in its new shape with rewrite-table');
  }
  const uses = usesOf(context.tables, table.key, column, context.dropped);
  if (uses.length > 0) {
    throw refuse(`${table.key}.${column} is used by ${uses.join(', ')}, which ${operation} does not carry over to the new column`, 'change the schema in two steps: drop those from the Drizzle schema and generate, then make this change and generate with --safe, then add them back (on the new column) and generate with --safe again');
  }
  return old;
}

/**
 * --safe runs the kept expand statements first, then the operations' expand steps and
 * backfills, then (after the deploy) their contract steps, then the kept contract statements:
 * an order other than the file's. It refuses a migration where that order breaks a statement:
 *
 * - a rename or type change builds a new column beside the old one, so another statement that
 *   changes either column would run on the wrong one (an operation on a renamed column's new
 *   name is fine: it runs after the rename's expand, which adds it);
 * - a kept expand statement that uses a column an operation adds would run before it is added;
 * - an operation or a kept expand statement that depends on an earlier contract statement (a
 *   renamed table, a changed column) would run before it, ahead of the deploy.
 */
function checkOrder(statements: readonly FileStatement[], file: string): void {
  const refuse = (later: FileStatement, why: string, hint: string) => new MigratorError('E_OPERATION', `${file}:${later.raw.line}: ${why}`, { hint });
  statements.forEach((a, i) => {
    statements.forEach((b, j) => {
      if (j === i) return;
      const sync = a.target?.sync;
      if (sync && touches(b.raw.node, sync.table, sync.columns) && !(sync.rename && b.target && j > i && !touches(b.raw.node, sync.table, [sync.columns[0]!]))) {
        throw refuse(b, `this statement changes ${sync.table}.${sync.columns.join(' / ')} too, which ${a.target!.kind} (line ${a.raw.line}) replaces by a new column: the two cannot run in one migration`, `generate the two changes one at a time: first the ${a.target!.kind === 'rename-column' ? 'rename' : 'type change'} alone (with --safe), then the rest`);
      }
      if (j < i) return;
      const added = a.target?.added;
      if (added && !b.target && b.phase === 'expand' && touches(b.raw.node, added.table, [added.column])) {
        throw refuse(b, `this statement uses ${added.table}.${added.column}, which ${a.target!.kind} (line ${a.raw.line}) adds in its expand migration, after the statements --safe keeps as they are, this one among them`, 'generate the two changes one at a time: first the new column (with --safe), then the rest');
      }
      if (!a.target && a.phase === 'contract' && (b.target || b.phase === 'expand') && dependsOn(b.raw.node, a.raw.node)) {
        throw refuse(b, `this statement${b.target ? ` (${b.target.kind})` : ''} depends on line ${a.raw.line}, a contract step (it ${a.reason}) that --safe moves after the deploy, while this one runs before it`, `generate the two changes one at a time: first the change of line ${a.raw.line} alone, then the rest with --safe`);
      }
    });
  });
}

/** The table a statement changes, with the columns it changes when it names them. */
function changedBy(node: Node): { table: string; columns: string[] } | { relations: Set<string> } {
  const statement = unwrapStatement(node);
  if (statement.kind === 'AlterTableStmt' && statement.body.relation?.relname) {
    const columns = list(statement.body.cmds).flatMap((item) => {
      const cmd = bodyOf(item, 'AlterTableCmd');
      const constraint = bodyOf(cmd?.def, 'Constraint');
      const column = bodyOf(cmd?.def, 'ColumnDef')?.colname;
      return [...(typeof cmd?.name === 'string' ? [cmd.name] : []), ...(column ? [column] : []), ...names(constraint?.keys), ...names(constraint?.fk_attrs)];
    });
    const table = relationKeyOf(statement.body.relation);
    if (columns.length > 0) return { table, columns };
  }
  if (statement.kind === 'RenameStmt' && statement.body.relation?.relname) {
    const { relation, subname, newname } = statement.body;
    if (statement.body.renameType === 'OBJECT_COLUMN' && subname && newname) return { table: relationKeyOf(relation), columns: [subname, newname] };
    if (newname) return { relations: new Set([relationKeyOf(relation), relationKeyOf({ ...relation, relname: newname })]) };
  }
  return { relations: relationsOf(node) };
}

/** Whether `later` uses what `earlier` changes: its columns, or else its tables. */
function dependsOn(later: Node, earlier: Node): boolean {
  const changed = changedBy(earlier);
  if ('table' in changed) return touches(later, changed.table, changed.columns);
  return [...relationsOf(later)].some((r) => changed.relations.has(r));
}

const relationKeyOf = (relation: RangeVar) => `${relation.schemaname ?? 'public'}.${relation.relname}`;

/** Every table a statement names (`schema.name`, unqualified as public). */
function relationsOf(node: Node): Set<string> {
  const out = new Set<string>();
  walkObjects(node, (obj) => {
    // Only a RangeVar (a node's body or a field like `relation`) has a `relname`.
    const relation = obj as RangeVar;
    if (typeof relation.relname === 'string') out.add(relationKeyOf(relation));
  });
  return out;
}

/** Whether a statement names one of the columns of the table: in its commands, keys, index columns, expressions or references. */
function touches(node: Node, table: string, columns: readonly string[]): boolean {
  const statement = unwrapStatement(node);
  const relation = 'relation' in statement.body ? statement.body.relation : undefined;
  const same = relation?.relname !== undefined && relationKeyOf(relation) === table;
  let found = false;
  walk(node, (obj) => {
    if (found) return;
    const constraint = obj.Constraint;
    if (constraint?.pktable?.relname && relationKeyOf(constraint.pktable) === table && names(constraint.pk_attrs).some((c) => columns.includes(c))) found = true;
    if (!same) return;
    const named = [obj.AlterTableCmd?.name, obj.ColumnDef?.colname, obj.IndexElem?.name, obj.String?.sval, obj.RenameStmt?.subname, obj.RenameStmt?.newname];
    if (named.some((n) => typeof n === 'string' && columns.includes(n))) found = true;
  });
  return found;
}

/** The names of a list of `String` nodes (key columns). */
const names = (items: readonly Node[] | undefined): string[] => list(items).flatMap((n) => stringValue(n) ?? []);

const isColumn = (node: Node | undefined, column: string) => {
  const ref = bodyOf(node, 'ColumnRef');
  return ref !== undefined && list(ref.fields).length === 1 && stringValue(list(ref.fields)[0]) === column;
};

/** fk_del_action / fk_upd_action as SQL; NO ACTION (the default) left out. */
function actionWords(action: ForeignKeyAction | undefined): string | undefined {
  return action ? ({ a: undefined, r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' } as const)[action] : undefined;
}

// -- Cutting the user's own text with PostgreSQL's tokens (no regex over SQL) -------------------

interface Token {
  kind: number;
  start: number;
  end: number;
  /** Lower-cased text of a word, else the text. */
  word: string;
}

function tokens(sql: string, from = 0): Token[] {
  const lexer = new SqlLexer(sql, from);
  const out: Token[] = [];
  for (let kind = lexer.next(); kind !== TOKEN.end; kind = lexer.next()) {
    const text = sql.slice(lexer.start, lexer.end);
    out.push({ kind, start: lexer.start, end: lexer.end, word: kind === TOKEN.word ? text.toLowerCase() : text });
  }
  return out;
}

/** `CREATE [UNIQUE] INDEX CONCURRENTLY ...`: the statement with CONCURRENTLY after INDEX. */
function withConcurrently(sql: string): string | undefined {
  const index = tokens(sql).find((t) => t.kind === TOKEN.word && t.word === 'index');
  return index ? `${sql.slice(0, index.end)} CONCURRENTLY${sql.slice(index.end)}` : undefined;
}

/** The type of `ADD COLUMN name <type> NOT NULL` as written: from its first token to the first constraint. */
function columnTypeText(sql: string, def: ColumnDef): string | undefined {
  // The statement is parsed again on its own, so that locations count from its start.
  const own = bodyOf(bodyOf(parseEntries(sql)[0]?.stmt, 'AlterTableStmt')?.cmds?.[0], 'AlterTableCmd');
  const ownDef = bodyOf(own?.def, 'ColumnDef');
  const source = new SourceText(sql);
  const start = ownDef?.typeName?.location;
  if (!ownDef || start === undefined || ownDef.colname !== def.colname) return undefined;
  const ends = list(ownDef.constraints).map((c) => bodyOf(c, 'Constraint')?.location).filter((l): l is number => typeof l === 'number' && l > start);
  const from = source.charFromByte(start);
  const to = ends.length > 0 ? source.charFromByte(Math.min(...ends)) : sql.length;
  const kept = tokens(sql.slice(0, to), from);
  return kept.length > 0 ? sql.slice(kept[0]!.start, kept.at(-1)!.end) : undefined;
}

/** `ALTER COLUMN c SET DATA TYPE <type> [USING <expression>]`: the type and the expression as written. */
function alterTypeText(sql: string): { type: string; using: string | undefined } | undefined {
  const own = bodyOf(bodyOf(parseEntries(sql)[0]?.stmt, 'AlterTableStmt')?.cmds?.[0], 'AlterTableCmd');
  const start = bodyOf(own?.def, 'ColumnDef')?.typeName?.location;
  if (start === undefined) return undefined;
  const all = tokens(sql, new SourceText(sql).charFromByte(start));
  let depth = 0;
  let end = all.length;
  for (const [i, t] of all.entries()) {
    if (t.kind === TOKEN.open) depth++;
    else if (t.kind === TOKEN.close) depth--;
    else if (depth === 0 && t.kind === TOKEN.word && (t.word === 'using' || t.word === 'collate')) {
      end = i;
      break;
    }
  }
  if (end === 0 || all[end]?.word === 'collate') return undefined;
  const type = sql.slice(all[0]!.start, all[end - 1]!.end);
  const using = end + 1 < all.length ? sql.slice(all[end + 1]!.start, all.at(-1)!.end) : undefined;
  return { type, using };
}

/** `ADD CONSTRAINT name CHECK (<expression>)`: the expression as written, when nothing follows its parentheses. */
function checkText(sql: string): string | undefined {
  const all = tokens(sql);
  const check = all.findIndex((t) => t.kind === TOKEN.word && t.word === 'check');
  if (check < 0 || all[check + 1]?.kind !== TOKEN.open) return undefined;
  let depth = 0;
  for (let i = check + 1; i < all.length; i++) {
    const t = all[i]!;
    if (t.kind === TOKEN.open) depth++;
    else if (t.kind === TOKEN.close && --depth === 0) {
      if (i !== all.length - 1) return undefined;
      return sql.slice(all[check + 1]!.end, t.start).trim();
    }
  }
  return undefined;
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
