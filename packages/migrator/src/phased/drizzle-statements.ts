import { MigratorError } from '../errors.js';
import { addCheck, namedCheck } from '../operations/add-check.js';
import { addForeignKey, namedForeignKey } from '../operations/add-foreign-key.js';
import { addIndex, type AddIndexResolved } from '../operations/add-index.js';
import { addRequiredColumn, requiredColumn } from '../operations/add-required-column.js';
import { addUnique, namedUnique } from '../operations/add-unique.js';
import { identifier, qualifiedName, type ColumnInfo, type TableInfo } from '../operations/catalog.js';
import { changeColumnType, retypedColumn } from '../operations/change-column-type.js';
import { renameColumn, renamedColumn } from '../operations/rename-column.js';
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
import { makeObjectName } from '../sql/index-name.js';
import { SqlLexer, TOKEN } from '../sql/lexer.js';
import { SourceText } from '../sql/source-text.js';
import { parseEntries } from '../sql/spans.js';
import type { Phase, RawStatement } from '../sql/types.js';
import type { Snapshot } from './drizzle-folder.js';
import { snapshotColumnType, type SnapshotColumn, type SnapshotTable } from './drizzle-snapshot.js';

/**
 * `sdk db generate --safe`: the migrations drizzle-kit has just written, with each statement that

/**
 * The statements drizzle-kit wrote, each with the operation that does it safely: built from the
 * statement and drizzle-kit's snapshot of the tables before it, without a database (from-drizzle.ts).
 */

export interface Target {
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

export interface FileStatement {
  raw: RawStatement;
  phase: Phase;
  /** Why it is in its phase, to start after "it": "drops column public.items.note: ...". */
  reason: string;
  target?: Target | undefined;
}

// -- Snapshots: what drizzle-kit knew of each table before the migration ----------------------

/** The snapshot's tables by `schema.name` (drizzle-kit leaves the schema of a public table empty). */
export function snapshotTables(snapshot: Snapshot | undefined): Map<string, SnapshotTable> {
  const tables = (snapshot?.tables ?? {}) as Record<string, SnapshotTable>;
  return new Map(Object.values(tables).map((t) => [`${t.schema || 'public'}.${t.name}`, t]));
}

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial']);

function columnInfo(column: SnapshotColumn): ColumnInfo {
  return {
    name: column.name,
    type: snapshotColumnType(column),
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
export function droppedNames(statements: readonly RawStatement[]): Set<string> {
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

export interface StatementContext {
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
export function targetOf(raw: RawStatement, kinds: ReadonlySet<string>, context: StatementContext): Target | undefined {
  const statement = unwrapStatement(raw.node);
  const refuse = (why: string, hint: string) => new MigratorError('E_OPERATION', `${context.file}:${raw.line}: ${why}`, { hint });
  if (statement.kind === 'RenameStmt' && kinds.has('rename-column') && statement.body.renameType === 'OBJECT_COLUMN') {
    const { subname: from, newname: to } = statement.body;
    const table = tableRef(statement.body.relation, context.tables);
    if (!table || typeof from !== 'string' || typeof to !== 'string') return undefined;
    const old = syncedColumn(table, from, 'rename-column', context, refuse);
    // As renameColumn.resolve() builds it: each column computed from the other, unchanged.
    return { kind: 'rename-column', plan: renameColumn.plan(renamedColumn(table.info, old, to)), sync: { table: table.key, columns: [from, to], rename: true } };
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
    return required(table, column, known ? snapshotColumnType(known) : '', true, context);
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
    const synced = { ...retypedColumn(table.info, old, written.type, using, true), defaultCast: undefined };
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
    const resolved = namedForeignKey(table.info, name ?? makeObjectName(table.name, columns.join('_'), 'fkey'), {
      columns,
      references: { schema: constraint.pktable?.schemaname ?? 'public', name: references },
      refColumns: names(constraint.pk_attrs),
      onDelete: actionWords(onDelete),
      onUpdate: actionWords(onUpdate),
    });
    return { kind: 'add-foreign-key', plan: addForeignKey.plan(resolved) };
  }
  if (constraint.contype === 'CONSTR_CHECK' && kinds.has('add-check')) {
    const check = name && !constraint.is_no_inherit ? checkText(raw.sql) : undefined;
    return check ? { kind: 'add-check', plan: addCheck.plan(namedCheck(table.info, name!, check)) } : undefined;
  }
  if (constraint.contype === 'CONSTR_UNIQUE' && kinds.has('add-unique')) {
    const columns = names(constraint.keys);
    const plain = !constraint.indexname && !constraint.indexspace && list(constraint.including).length === 0 && !constraint.nulls_not_distinct && list(constraint.options).length === 0;
    if (!plain || columns.length === 0) return undefined;
    const constraintName = name ?? makeObjectName(table.name, columns.join('_'), 'key');
    return { kind: 'add-unique', plan: addUnique.plan(namedUnique(table.info, constraintName, columns)) };
  }
  return undefined;
}

/** add-required-column: the value for existing rows from `backfill`, or the data migration's placeholder. */
function required(table: TableRef, column: string, type: string, exists: boolean, context: StatementContext): Target {
  const key = `${table.key}.${column}`;
  const value = context.backfill.get(key);
  // No default: drizzle-kit writes one into ADD COLUMN when the schema has it (and then nothing is reported).
  const plan = addRequiredColumn.plan(requiredColumn(table.info, { column, type, default: null, backfill: value, exists }));
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
export function checkOrder(statements: readonly FileStatement[], file: string): void {
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

