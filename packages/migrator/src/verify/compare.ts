import type { CheckShape, ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape, UniqueShape } from './shape.js';

/** What differs between the live schema and the snapshot. */
export type DriftKind =
  | 'missing-table'
  | 'extra-table'
  | 'missing-column'
  | 'extra-column'
  | 'column-type'
  | 'column-not-null'
  | 'column-default'
  | 'column-identity'
  | 'column-generated'
  | 'primary-key'
  | 'missing-index'
  | 'extra-index'
  | 'index-definition'
  | 'missing-unique'
  | 'extra-unique'
  | 'unique-definition'
  | 'missing-foreign-key'
  | 'extra-foreign-key'
  | 'foreign-key-definition'
  | 'missing-check'
  | 'extra-check'
  | 'check-definition'
  | 'missing-enum'
  | 'extra-enum'
  | 'enum-values';

export interface DriftItem {
  kind: DriftKind;
  /** `schema.table`, `schema.table.column`, or `schema.table.name` for an index or a constraint; `schema.name` for an enum. */
  object: string;
  /** What the snapshot says, as PostgreSQL prints it. */
  expected?: string;
  /** What the database has. */
  actual?: string;
  /** One line. */
  message: string;
}

/** A difference with what it touches, to tell drift from an operation's work in flight. */
export interface Difference {
  item: DriftItem;
  /** `schema.table` of a table-level object; undefined for an enum. */
  table?: string;
  /** The columns it involves (the column itself, or an index's or constraint's columns). */
  columns: string[];
  /** The name of the constraint or index, when it is one. */
  constraint?: string;
  /** True for a CHECK that is NOT VALID in the database. */
  notValid?: boolean;
}

const list = (names: readonly string[]) => `(${names.join(', ')})`;

/**
 * Every difference between `expected` (the snapshot) and `actual` (the database), in a stable
 * order: tables, then each table's columns, keys, indexes and constraints, then enums.
 */
export function compareShapes(expected: SchemaShape, actual: SchemaShape, snapshotTag: string): Difference[] {
  const out: Difference[] = [];
  const snap = `the snapshot of ${snapshotTag}`;
  for (const [key, table] of expected.tables) {
    const live = actual.tables.get(key);
    if (!live) {
      out.push({ item: { kind: 'missing-table', object: key, message: `table ${key} is in ${snap} but not in the database` }, table: key, columns: [] });
      continue;
    }
    compareTable(table, live, key, snap, out);
  }
  for (const key of actual.tables.keys()) {
    if (!expected.tables.has(key)) out.push({ item: { kind: 'extra-table', object: key, message: `table ${key} is in the database but not in ${snap}` }, table: key, columns: [] });
  }
  for (const [key, e] of expected.enums) {
    const live = actual.enums.get(key);
    if (!live) out.push({ item: { kind: 'missing-enum', object: key, expected: e.values.join(', '), message: `enum ${key} is in ${snap} but not in the database` }, columns: [] });
    else if (live.values.join('\u0000') !== e.values.join('\u0000')) {
      out.push({
        item: { kind: 'enum-values', object: key, expected: e.values.join(', '), actual: live.values.join(', '), message: `enum ${key} has the values (${live.values.join(', ')}) in the database, (${e.values.join(', ')}) in ${snap}` },
        columns: [],
      });
    }
  }
  for (const [key, live] of actual.enums) {
    if (!expected.enums.has(key)) out.push({ item: { kind: 'extra-enum', object: key, actual: live.values.join(', '), message: `enum ${key} is in the database but not in ${snap}` }, columns: [] });
  }
  return out;
}

function compareTable(e: TableShape, a: TableShape, table: string, snap: string, out: Difference[]): void {
  for (const [name, col] of e.columns) {
    const live = a.columns.get(name);
    const object = `${table}.${name}`;
    if (!live) {
      out.push({ item: { kind: 'missing-column', object, expected: col.type, message: `column ${object} (${col.type}) is in ${snap} but not in the database` }, table, columns: [name] });
      continue;
    }
    compareColumn(col, live, object, snap).forEach((item) => out.push({ item, table, columns: [name] }));
  }
  for (const [name, live] of a.columns) {
    const object = `${table}.${name}`;
    if (!e.columns.has(name)) out.push({ item: { kind: 'extra-column', object, actual: live.type, message: `column ${object} (${live.type}) is in the database but not in ${snap}` }, table, columns: [name] });
  }

  const ePk = e.primaryKey;
  const aPk = a.primaryKey;
  const pkText = (pk: TableShape['primaryKey']) => (pk ? `PRIMARY KEY ${list(pk.columns)}` : 'no primary key');
  // A primary key declared on a column has no name in the snapshot: PostgreSQL names it <table>_pkey.
  if (pkText(ePk) !== pkText(aPk) || (ePk?.name && aPk && ePk.name !== aPk.name)) {
    out.push({
      item: { kind: 'primary-key', object: table, expected: pkText(ePk), actual: pkText(aPk), message: `table ${table} has ${describePk(aPk)} in the database, ${describePk(ePk)} in ${snap}` },
      table,
      columns: [...new Set([...(ePk?.columns ?? []), ...(aPk?.columns ?? [])])],
    });
  }

  named(e.indexes, a.indexes, table, snap, out, {
    what: 'index',
    kinds: ['missing-index', 'extra-index', 'index-definition'],
    text: (i: IndexShape) => `${i.unique ? 'UNIQUE ' : ''}${i.definition}`,
    columns: (i: IndexShape) => i.columns,
  });
  named(e.uniques, a.uniques, table, snap, out, {
    what: 'unique constraint',
    kinds: ['missing-unique', 'extra-unique', 'unique-definition'],
    text: (u: UniqueShape) => `UNIQUE${u.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''} ${list(u.columns)}`,
    columns: (u: UniqueShape) => u.columns,
  });
  named(e.foreignKeys, a.foreignKeys, table, snap, out, {
    what: 'foreign key',
    kinds: ['missing-foreign-key', 'extra-foreign-key', 'foreign-key-definition'],
    text: (f: ForeignKeyShape) => `FOREIGN KEY ${list(f.columns)} REFERENCES ${f.references}${list(f.referencedColumns)} ON DELETE ${f.onDelete} ON UPDATE ${f.onUpdate}`,
    columns: (f: ForeignKeyShape) => f.columns,
  });
  named(e.checks, a.checks, table, snap, out, {
    what: 'check constraint',
    kinds: ['missing-check', 'extra-check', 'check-definition'],
    text: (k: CheckShape) => k.definition,
    columns: () => [],
    notValid: (k: CheckShape) => !k.validated,
  });
}

function describePk(pk: TableShape['primaryKey']): string {
  return pk ? `the primary key ${pk.name && pk.name !== null ? `${pk.name} ` : ''}${list(pk.columns)}` : 'no primary key';
}

function compareColumn(e: ColumnShape, a: ColumnShape, object: string, snap: string): DriftItem[] {
  const items: DriftItem[] = [];
  if (e.type !== a.type) {
    items.push({ kind: 'column-type', object, expected: e.type, actual: a.type, message: `column ${object} is ${a.type} in the database, ${e.type} in ${snap}` });
  }
  if (e.notNull !== a.notNull) {
    const says = (notNull: boolean) => (notNull ? 'NOT NULL' : 'nullable');
    items.push({ kind: 'column-not-null', object, expected: says(e.notNull), actual: says(a.notNull), message: `column ${object} is ${says(a.notNull)} in the database, ${says(e.notNull)} in ${snap}` });
  }
  if (e.identity !== a.identity) {
    const says = (identity: string | null) => (identity ? `GENERATED ${identity.toUpperCase()} AS IDENTITY` : 'not an identity column');
    items.push({ kind: 'column-identity', object, expected: says(e.identity), actual: says(a.identity), message: `column ${object} is ${says(a.identity)} in the database, ${says(e.identity)} in ${snap}` });
  }
  if (e.generated !== a.generated) {
    const says = (g: string | null) => (g ? `generated as ${g}` : 'not generated');
    items.push({ kind: 'column-generated', object, expected: says(e.generated), actual: says(a.generated), message: `column ${object} is ${says(a.generated)} in the database, ${says(e.generated)} in ${snap}` });
  }
  if (e.default !== a.default && e.identity === null && a.identity === null) {
    const says = (d: string | null) => (d === null ? 'no default' : `DEFAULT ${d}`);
    items.push({ kind: 'column-default', object, expected: says(e.default), actual: says(a.default), message: `column ${object} has ${says(a.default)} in the database, ${says(e.default)} in ${snap}` });
  }
  return items;
}

interface NamedRules<T> {
  what: string;
  kinds: [DriftKind, DriftKind, DriftKind];
  text: (x: T) => string;
  columns: (x: T) => string[];
  notValid?: (x: T) => boolean;
}

/** Indexes and constraints are matched by name (drizzle-kit names every one of them). */
function named<T>(expected: Map<string, T>, actual: Map<string, T>, table: string, snap: string, out: Difference[], rules: NamedRules<T>): void {
  const [missing, extra, changed] = rules.kinds;
  for (const [name, e] of expected) {
    const object = `${table}.${name}`;
    const a = actual.get(name);
    if (!a) out.push({ item: { kind: missing, object, expected: rules.text(e), message: `${rules.what} ${name} on ${table} is in ${snap} but not in the database: ${rules.text(e)}` }, table, columns: rules.columns(e), constraint: name });
    else if (rules.text(a) !== rules.text(e)) {
      out.push({
        item: { kind: changed, object, expected: rules.text(e), actual: rules.text(a), message: `${rules.what} ${name} on ${table} is ${rules.text(a)} in the database, ${rules.text(e)} in ${snap}` },
        table,
        columns: [...new Set([...rules.columns(e), ...rules.columns(a)])],
        constraint: name,
        notValid: rules.notValid?.(a) ?? false,
      });
    }
  }
  for (const [name, a] of actual) {
    if (expected.has(name)) continue;
    const object = `${table}.${name}`;
    out.push({
      item: { kind: extra, object, actual: rules.text(a), message: `${rules.what} ${name} on ${table} is in the database but not in ${snap}: ${rules.text(a)}` },
      table,
      columns: rules.columns(a),
      constraint: name,
      notValid: rules.notValid?.(a) ?? false,
    });
  }
}
