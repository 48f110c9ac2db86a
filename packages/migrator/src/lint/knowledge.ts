import { bodyOf, list, stringValue, type AlterTableStmt, type Constraint, type ConstrType, type Node } from '../sql/ast.js';
import type { ColumnType, DomainType } from './column-types.js';
import { ExpandSteps } from './expand-steps.js';
import { ViewUses } from './view-uses.js';
import type { Volatility } from './volatility.js';

export { columnType, timestampZoneChangeSkipsRewriteInUtc, typeChangeKeepsRows, typeText, usingIsPlainColumn, type ColumnType } from './column-types.js';
export { volatileCall, type Volatility } from './volatility.js';

export interface IndexInfo {
  /** relationKey of the indexed table. */
  table: string;
  /** The key columns, in order; an expression is `undefined`. */
  columns: (string | undefined)[];
}

export interface ConstraintInfo {
  kind: 'check' | 'foreign' | 'unique' | 'primary' | 'exclusion' | 'notnull' | 'other';
  validated: boolean;
  /** For `CHECK (col IS NOT NULL)`: the column it proves NOT NULL once validated. */
  notNullColumn?: string | undefined;
  /** Index of the file (in lint order) and statement that added it. */
  addedIn: { file: number; statement: number };
}

/** A domain: its base type and the CHECK / NOT NULL constraints it has. */
export interface DomainInfo {
  baseType: ColumnType | undefined;
  /** Constraint names (PostgreSQL's generated name for an unnamed one); NOT NULL is `NOT NULL`. */
  constraints: Set<string>;
}

/**
 * How a column is filled when a write leaves it out: its DEFAULT as written, a sequence (serial,
 * identity), a generated expression, or a DEFAULT whose text was not found.
 */
export type ColumnDefault = { kind: 'expression'; sql: string } | { kind: 'sequence' } | { kind: 'generated' } | { kind: 'unknown' };

/** A ColumnDefault, or how to find it when first asked (a DEFAULT's text costs a parse: column-defaults.ts). */
export type PendingDefault = ColumnDefault | (() => ColumnDefault);

/** A constraint by what a column copied through a trigger would leave behind: its kind and columns. */
export interface ColumnConstraint {
  kind: 'primary' | 'unique' | 'foreign' | 'check' | 'exclusion';
  columns: string[];
}

/** A foreign key: `table (columns) REFERENCES references (refColumns)`. */
export interface ForeignKeyInfo {
  name: string;
  table: string;
  columns: string[];
  references: string;
  /** Empty when the statement left them out (the referenced table's primary key). */
  refColumns: string[];
}

/**
 * What the migrations linted so far (and, for `plan`, the live database) say about the schema:
 * column types, constraints and function volatility. Rules read it to tell a widening
 * `varchar(50) -> varchar(100)` from a rewrite, and a SET NOT NULL backed by a validated CHECK
 * from one that scans the table. Unknown facts stay unknown: rules then assume the unsafe case.
 */
export class SchemaKnowledge {
  /** relationKey() of every table and materialized view known to exist. */
  readonly tables = new Set<string>();
  readonly columns = new Map<string, Map<string, ColumnType>>();
  readonly constraints = new Map<string, Map<string, ConstraintInfo>>();
  /** Function name (lower case, unqualified) -> volatility letter as in pg_proc: i, s, v. */
  readonly functions = new Map<string, Volatility>();
  /**
   * Index relationKey (`schema.name`: an index lives in its table's schema) -> its table and its
   * plain key columns, from CREATE INDEX: DROP INDEX and REINDEX INDEX lock that table too, and
   * PRIMARY KEY USING INDEX makes those columns NOT NULL.
   */
  readonly indexes = new Map<string, IndexInfo>();
  /**
   * table -> column -> whether it is NOT NULL (NOT NULL, PRIMARY KEY, serial, identity, SET NOT
   * NULL), for the columns whose definition was linted; absent = unknown.
   */
  readonly nullability = new Map<string, Map<string, boolean>>();
  /**
   * Every foreign key known, named or not: dropping one, or its column or table, locks the
   * referenced table too; changing a referenced column's type rebuilds the keys pointing at it;
   * TRUNCATE ... CASCADE empties the referencing tables.
   */
  foreignKeys: ForeignKeyInfo[] = [];
  /**
   * Partitioned tables (CREATE TABLE ... PARTITION BY) -> their partitions: CREATE INDEX
   * CONCURRENTLY cannot run on the parent, so the safe index recipe goes partition by partition.
   */
  readonly partitioned = new Map<string, Set<string>>();
  /**
   * Partitioned table -> its DEFAULT partition (`PARTITION OF parent DEFAULT`, `ATTACH PARTITION
   * ... DEFAULT`): a new partition of the parent makes PostgreSQL scan the default partition
   * under ACCESS EXCLUSIVE for rows that belong to the new bound.
   */
  readonly defaultPartitions = new Map<string, string>();
  /**
   * Domain key (`schema.name`) -> the names of its CHECK / NOT NULL constraints, and its base type:
   * a new column of a domain with constraints is checked row by row, rewriting the table.
   */
  readonly domains = new Map<string, DomainInfo>();
  /**
   * Materialized views created WITH NO DATA (or refreshed WITH NO DATA) and not refreshed since:
   * REFRESH ... CONCURRENTLY fails on them.
   */
  readonly unpopulated = new Set<string>();
  /**
   * Table -> the names of its row security policies (CREATE POLICY, less DROP POLICY): a table
   * whose row level security is enabled with no policy denies every row to every role but its
   * owner (https://www.postgresql.org/docs/current/ddl-rowsecurity.html).
   */
  readonly policies = new Map<string, Set<string>>();
  /** Backfills and stand-in views of earlier migrations: what makes a later drop a contract step. */
  readonly expandSteps = new ExpandSteps();
  /** The columns each view and materialized view reads (their type changes and drops fail). */
  readonly viewUses = new ViewUses();
  /** Index of the file being linted, so a rule can tell "earlier in this file" from "an earlier migration". */
  file = 0;
  /** File index -> its path as the report shows it, for messages that name an earlier migration. */
  readonly paths = new Map<number, string>();

  /** Tables whose every column is known: created by a CREATE TABLE that lists them all (no LIKE, INHERITS, PARTITION OF or OF type). */
  readonly columnsComplete = new Set<string>();

  /** Every column of a table, when all are known (columnsComplete); undefined when it may have others. */
  knownColumns(table: string): Iterable<string> | undefined {
    return this.columnsComplete.has(table) ? (this.columns.get(table)?.keys() ?? []) : undefined;
  }

  columnType(table: string | undefined, column: string | undefined): ColumnType | undefined {
    if (!table || !column) return undefined;
    return this.columns.get(table)?.get(column);
  }

  setColumn(table: string, column: string, type: ColumnType | undefined): void {
    let columns = this.columns.get(table);
    if (!columns) this.columns.set(table, (columns = new Map()));
    if (type) columns.set(column, type);
    else {
      columns.delete(column);
      this.nullability.get(table)?.delete(column);
      this.defaults.get(table)?.delete(column);
      // PostgreSQL drops the constraints (and indexes) of a dropped column with it.
      for (const [name, info] of this.columnConstraints.get(table) ?? []) if (info.columns.includes(column)) this.columnConstraints.get(table)!.delete(name);
    }
  }

  /** Whether the column is NOT NULL: undefined when no linted statement defined it. */
  isNotNull(table: string | undefined, column: string | undefined): boolean | undefined {
    if (!table || !column) return undefined;
    return this.nullability.get(table)?.get(column);
  }

  setNotNull(table: string, column: string, notNull: boolean): void {
    let columns = this.nullability.get(table);
    if (!columns) this.nullability.set(table, (columns = new Map()));
    columns.set(column, notNull);
  }

  /**
   * table -> column -> what fills it when a write leaves it out, for the columns whose definition
   * was linted; absent = no default (or a column no linted statement defined).
   */
  readonly defaults = new Map<string, Map<string, PendingDefault>>();

  columnDefault(table: string | undefined, column: string | undefined): ColumnDefault | undefined {
    if (!table || !column) return undefined;
    const columns = this.defaults.get(table);
    const value = columns?.get(column);
    if (typeof value !== 'function') return value;
    const found = value();
    columns!.set(column, found);
    return found;
  }

  setColumnDefault(table: string, column: string, value: PendingDefault | undefined): void {
    let columns = this.defaults.get(table);
    if (!columns) this.defaults.set(table, (columns = new Map()));
    if (value) columns.set(column, value);
    else columns.delete(column);
  }

  /**
   * table -> constraint name (PostgreSQL's own for an unnamed one) -> its kind and the columns it
   * uses: the operations that copy a column into a new one refuse a column a constraint uses.
   */
  readonly columnConstraints = new Map<string, Map<string, ColumnConstraint>>();

  setColumnConstraint(table: string, name: string, info: ColumnConstraint | undefined): void {
    let constraints = this.columnConstraints.get(table);
    if (!constraints) this.columnConstraints.set(table, (constraints = new Map()));
    if (info) constraints.set(name, info);
    else constraints.delete(name);
  }

  /**
   * What uses the column, as far as the linted migrations say: `index users_email_idx`, `primary
   * key users_pkey`, `unique ...`, `check ...`, `foreign key ...`, `referenced by foreign key
   * posts.posts_user_id_fkey`. Empty when nothing known does (which is not proof that nothing does).
   */
  columnUses(table: string | undefined, column: string | undefined): string[] {
    if (!table || !column) return [];
    const uses: string[] = [];
    for (const [index, info] of this.indexes) if (info.table === table && info.columns.includes(column)) uses.push(`index ${index.slice(index.indexOf('.') + 1)}`);
    const primary: string[] = [];
    for (const [name, info] of this.columnConstraints.get(table) ?? []) {
      if (info.kind === 'primary') primary.push(...info.columns);
      if (info.columns.includes(column)) uses.push(`${info.kind === 'primary' ? 'primary key' : info.kind === 'foreign' ? 'foreign key' : info.kind} ${name}`);
    }
    for (const fk of this.foreignKeys) {
      if (fk.references === table && (fk.refColumns.length > 0 ? fk.refColumns : primary).includes(column)) uses.push(`referenced by foreign key ${fk.table}.${fk.name}`);
    }
    return uses;
  }

  /**
   * The domain a column type names, when a CREATE DOMAIN linted so far made it. A ColumnType keeps
   * only the last part of the name, so `public` is tried first, then a domain of that name in any schema.
   */
  domainOf(type: ColumnType): DomainType | undefined {
    let info = this.domains.get(`public.${type.name}`);
    if (!info) for (const [key, domain] of this.domains) if (key.endsWith(`.${type.name}`)) info = domain;
    return info ? { baseType: info.baseType, constrained: info.constraints.size > 0 } : undefined;
  }

  /** Whether the type named `names` (a TypeName's names) is a domain known to have CHECK or NOT NULL constraints. */
  constrainedDomain(names: readonly Node[] | undefined): string | undefined {
    const key = typeKey(names);
    return key && (this.domains.get(key)?.constraints.size ?? 0) > 0 ? key : undefined;
  }

  /** The table of an index (relationKey), when a CREATE INDEX linted so far made it. */
  indexTable(index: string | undefined): string | undefined {
    return index ? this.indexes.get(index)?.table : undefined;
  }

  constraint(table: string | undefined, name: string | undefined): ConstraintInfo | undefined {
    if (!table || !name) return undefined;
    return this.constraints.get(table)?.get(name);
  }

  setConstraint(table: string, name: string, info: ConstraintInfo | undefined): void {
    let constraints = this.constraints.get(table);
    if (!constraints) this.constraints.set(table, (constraints = new Map()));
    if (info) constraints.set(name, info);
    else constraints.delete(name);
  }

  /**
   * A validated `CHECK (column IS NOT NULL)` (or PostgreSQL 18 NOT NULL constraint) on the column,
   * which lets SET NOT NULL skip its scan on PostgreSQL 12+. `except`: constraints the same ALTER
   * TABLE drops, which are gone before SET NOT NULL looks for them (DROP runs in an earlier pass).
   */
  validatedNotNullCheck(table: string | undefined, column: string | undefined, except?: ReadonlySet<string>): string | undefined {
    if (!table || !column) return undefined;
    for (const [name, info] of this.constraints.get(table) ?? []) {
      if (except?.has(name)) continue;
      if ((info.kind === 'check' || info.kind === 'notnull') && info.validated && info.notNullColumn === column) return name;
    }
    return undefined;
  }

  /** Whether the table has any validated CHECK constraint (ATTACH PARTITION can use one that implies the bound). */
  hasValidatedCheck(table: string | undefined): boolean {
    if (!table) return false;
    return [...(this.constraints.get(table)?.values() ?? [])].some((c) => c.kind === 'check' && c.validated);
  }

  /** Forgets a dropped table; moves facts on a rename. */
  dropTable(table: string): void {
    this.tables.delete(table);
    this.columnsComplete.delete(table);
    this.viewUses.tableDropped(table);
    this.expandSteps.tableDropped(table);
    this.partitioned.delete(table);
    for (const partitions of this.partitioned.values()) partitions.delete(table);
    this.defaultPartitions.delete(table);
    for (const [parent, partition] of this.defaultPartitions) if (partition === table) this.defaultPartitions.delete(parent);
    this.unpopulated.delete(table);
    this.policies.delete(table);
    this.foreignKeys = this.foreignKeys.filter((fk) => fk.table !== table);
    this.columns.delete(table);
    this.constraints.delete(table);
    this.nullability.delete(table);
    this.defaults.delete(table);
    this.columnConstraints.delete(table);
    for (const [index, info] of this.indexes) if (info.table === table) this.indexes.delete(index);
  }

  renameTable(from: string, to: string): void {
    if (this.tables.delete(from)) this.tables.add(to);
    if (this.columnsComplete.delete(from)) this.columnsComplete.add(to);
    this.expandSteps.tableRenamed(from, to);
    this.viewUses.renamed(from, to);
    for (const partitions of this.partitioned.values()) if (partitions.delete(from)) partitions.add(to);
    for (const [parent, partition] of this.defaultPartitions) if (partition === from) this.defaultPartitions.set(parent, to);
    if (this.unpopulated.delete(from)) this.unpopulated.add(to);
    for (const map of [this.columns, this.constraints, this.nullability, this.defaults, this.columnConstraints, this.partitioned, this.defaultPartitions, this.policies] as Map<string, unknown>[]) {
      const entry = map.get(from);
      map.delete(from);
      if (entry) map.set(to, entry);
    }
    for (const info of this.indexes.values()) if (info.table === from) info.table = to;
    for (const fk of this.foreignKeys) {
      if (fk.table === from) fk.table = to;
      if (fk.references === from) fk.references = to;
    }
  }

  /** Moves an index's facts to its new name (ALTER INDEX ... RENAME TO), or forgets a dropped one. */
  renameIndex(from: string, to: string | undefined): void {
    const info = this.indexes.get(from);
    this.indexes.delete(from);
    if (info && to) this.indexes.set(to, info);
  }

  renameColumn(table: string, from: string, to: string): void {
    this.expandSteps.columnRenamed(table, from, to);
    this.viewUses.columnRenamed(table, from, to);
    const columns = this.columns.get(table);
    const type = columns?.get(from);
    if (columns && type) {
      columns.delete(from);
      columns.set(to, type);
    }
    const nullability = this.nullability.get(table);
    const notNull = nullability?.get(from);
    if (nullability && notNull !== undefined) {
      nullability.delete(from);
      nullability.set(to, notNull);
    }
    const defaults = this.defaults.get(table);
    const filled = defaults?.get(from);
    if (defaults && filled) {
      defaults.delete(from);
      defaults.set(to, filled);
    }
    for (const info of this.columnConstraints.get(table)?.values() ?? []) info.columns = info.columns.map((c) => (c === from ? to : c));
    for (const index of this.indexes.values()) if (index.table === table) index.columns = index.columns.map((c) => (c === from ? to : c));
    for (const info of this.constraints.get(table)?.values() ?? []) if (info.notNullColumn === from) info.notNullColumn = to;
  }
}

const CONSTRAINT_KINDS: Partial<Record<ConstrType, ConstraintInfo['kind']>> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'notnull',
};

export function constraintKind(constraint: Constraint | undefined): ConstraintInfo['kind'] {
  const type = constraint?.contype;
  return (type && CONSTRAINT_KINDS[type]) ?? 'other';
}

/** The column a `CHECK (col IS NOT NULL)` proves NOT NULL, if that is all it checks. */
export function notNullCheckColumn(constraint: Constraint | undefined): string | undefined {
  if (constraint?.contype !== 'CONSTR_CHECK') return undefined;
  const test = bodyOf(constraint.raw_expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = list(bodyOf(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? stringValue(fields[0]) : undefined;
}


/** The constraints an ALTER TABLE drops (`DROP CONSTRAINT name`), by name. */
export function droppedConstraints(body: AlterTableStmt): Set<string> {
  const names = new Set<string>();
  for (const item of list(body.cmds)) {
    const cmd = bodyOf(item, 'AlterTableCmd');
    if (cmd?.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string') names.add(cmd.name);
  }
  return names;
}


/** The key columns of an index that PRIMARY KEY USING INDEX would make NOT NULL, undefined when the index is unknown. */
export function usingIndexColumns(knowledge: SchemaKnowledge, table: string | undefined, constraint: Constraint | undefined): string[] | undefined {
  if (!table || constraint?.contype !== 'CONSTR_PRIMARY' || typeof constraint.indexname !== 'string') return undefined;
  const index = knowledge.indexes.get(`${table.split('.')[0]}.${constraint.indexname}`);
  if (!index || index.table !== table) return undefined;
  return index.columns.filter((c): c is string => c !== undefined);
}

/** `schema.name` of a type or domain name list, `public` when unqualified; undefined for pg_catalog and empty names. */
export function typeKey(names: readonly Node[] | undefined): string | undefined {
  const parts = list(names).map((n) => stringValue(n) ?? '');
  if (parts.length === 0 || parts.some((p) => !p) || parts[0] === 'pg_catalog') return undefined;
  return parts.length > 1 ? parts.slice(-2).join('.') : `public.${parts[0]}`;
}
