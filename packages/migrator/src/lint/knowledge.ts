import { bodyOf, list, nameList, relationKey, walk, type Node } from '../sql/ast.js';

/** A column type as PostgreSQL names it internally: `varchar` with typmods `[255]`, `int4`, `_text`... */
export interface ColumnType {
  name: string;
  typmods: number[];
  array: boolean;
}

export interface ConstraintInfo {
  kind: 'check' | 'foreign' | 'unique' | 'primary' | 'exclusion' | 'notnull' | 'other';
  validated: boolean;
  /** For `CHECK (col IS NOT NULL)`: the column it proves NOT NULL once validated. */
  notNullColumn?: string | undefined;
  /** Index of the file (in lint order) and statement that added it. */
  addedIn: { file: number; statement: number };
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
  readonly functions = new Map<string, 'i' | 's' | 'v'>();
  /** Index of the file being linted, so a rule can tell "earlier in this file" from "an earlier migration". */
  file = 0;

  columnType(table: string | undefined, column: string | undefined): ColumnType | undefined {
    if (!table || !column) return undefined;
    return this.columns.get(table)?.get(column);
  }

  setColumn(table: string, column: string, type: ColumnType | undefined): void {
    let columns = this.columns.get(table);
    if (!columns) this.columns.set(table, (columns = new Map()));
    if (type) columns.set(column, type);
    else columns.delete(column);
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

  /** A validated `CHECK (column IS NOT NULL)` (or PostgreSQL 18 NOT NULL constraint) on the column, which lets SET NOT NULL skip its scan on PostgreSQL 12+. */
  validatedNotNullCheck(table: string | undefined, column: string | undefined): string | undefined {
    if (!table || !column) return undefined;
    for (const [name, info] of this.constraints.get(table) ?? []) {
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
    this.columns.delete(table);
    this.constraints.delete(table);
  }

  renameTable(from: string, to: string): void {
    if (this.tables.delete(from)) this.tables.add(to);
    for (const map of [this.columns, this.constraints] as Map<string, Map<string, unknown>>[]) {
      const entry = map.get(from);
      map.delete(from);
      if (entry) map.set(to, entry);
    }
  }

  renameColumn(table: string, from: string, to: string): void {
    const columns = this.columns.get(table);
    const type = columns?.get(from);
    if (columns && type) {
      columns.delete(from);
      columns.set(to, type);
    }
    for (const info of this.constraints.get(table)?.values() ?? []) if (info.notNullColumn === from) info.notNullColumn = to;
  }
}

const CONSTRAINT_KINDS: Record<string, ConstraintInfo['kind']> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'notnull',
};

export function constraintKind(constraint: Node | undefined): ConstraintInfo['kind'] {
  return CONSTRAINT_KINDS[String(constraint?.contype ?? '')] ?? 'other';
}

/** The column a `CHECK (col IS NOT NULL)` proves NOT NULL, if that is all it checks. */
export function notNullCheckColumn(constraint: Node | undefined): string | undefined {
  if (constraint?.contype !== 'CONSTR_CHECK') return undefined;
  const test = bodyOf(constraint.raw_expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = list(bodyOf(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? (bodyOf(fields[0], 'String')?.sval as string | undefined) : undefined;
}

/** Aliases the parser leaves as written; everything else arrives as the internal name (`int4`, `varchar`). */
const TYPE_ALIASES: Record<string, string> = {
  serial: 'int4', serial4: 'int4', bigserial: 'int8', serial8: 'int8', smallserial: 'int2', serial2: 'int2',
  int: 'int4', integer: 'int4', bigint: 'int8', smallint: 'int2', 'character varying': 'varchar', character: 'bpchar',
  char: 'bpchar', boolean: 'bool', 'double precision': 'float8', real: 'float4', decimal: 'numeric',
};

/** ColumnDef.typeName / TypeCast.typeName (a TypeName body) -> ColumnType. */
export function columnType(typeName: unknown): ColumnType | undefined {
  const t = typeName as Node | undefined;
  if (!t) return undefined;
  const raw = String(bodyOf(list(t.names).at(-1), 'String')?.sval ?? '').toLowerCase();
  if (!raw) return undefined;
  const typmods = list(t.typmods).map((m) => Number((bodyOf(m, 'A_Const')?.ival as { ival?: number } | undefined)?.ival ?? 0));
  return { name: TYPE_ALIASES[raw] ?? raw, typmods, array: list(t.arrayBounds).length > 0 };
}

export function typeText(type: ColumnType): string {
  return `${type.name}${type.typmods.length ? `(${type.typmods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

/** Types whose typmod only limits values: widening or removing it does not touch the rows. */
const WIDENABLE = new Set(['varchar', 'varbit', 'numeric', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval']);

/**
 * Whether `ALTER COLUMN ... TYPE to` keeps the rows as they are (binary-coercible, or a typmod
 * that only widens), so PostgreSQL skips the rewrite (and, for these, the scan).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 * `undefined` when the current type is unknown.
 */
export function typeChangeKeepsRows(from: ColumnType | undefined, to: ColumnType): boolean | undefined {
  if (!from) return undefined;
  if (from.array !== to.array) return false;
  if (from.name === to.name) {
    if (sameMods(from.typmods, to.typmods)) return true;
    if (!WIDENABLE.has(to.name)) return false;
    if (to.typmods.length === 0) return true; // varchar(20) -> varchar, numeric(10,2) -> numeric
    if (from.typmods.length === 0) return false; // varchar -> varchar(20) checks every row
    if (to.name === 'numeric') {
      // numeric(p,s) -> numeric(p2,s2) keeps rows when the scale is unchanged and precision grows.
      return (from.typmods[1] ?? 0) === (to.typmods[1] ?? 0) && to.typmods[0]! >= from.typmods[0]!;
    }
    return to.typmods[0]! >= from.typmods[0]!;
  }
  // Binary-coercible pairs (pg_cast castmethod 'b') that migrations meet.
  if ((from.name === 'varchar' && to.name === 'text') || (from.name === 'text' && to.name === 'varchar' && to.typmods.length === 0)) return true;
  if (from.name === 'cidr' && to.name === 'inet') return true;
  if (from.name === 'xml' && to.name === 'text') return true;
  return false;
}

function sameMods(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Functions whose result changes per row: a DEFAULT calling one must be evaluated for every existing row. */
const VOLATILE = new Set([
  'random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7',
  'clock_timestamp', 'timeofday', 'nextval', 'setval', 'txid_current', 'random_normal', 'gen_random_bytes',
]);

/** Functions that are stable or immutable: one value for the whole statement. */
const NOT_VOLATILE = new Set([
  'now', 'transaction_timestamp', 'statement_timestamp', 'current_setting', 'lower', 'upper', 'length', 'concat',
  'coalesce', 'nullif', 'greatest', 'least', 'to_jsonb', 'to_json', 'jsonb_build_object', 'json_build_object',
  'jsonb_build_array', 'json_build_array', 'array_fill', 'make_date', 'make_timestamp', 'make_interval', 'to_timestamp',
  'to_date', 'to_char', 'md5', 'replace', 'trim', 'btrim', 'abs', 'round', 'floor', 'ceil', 'date_trunc', 'timezone',
  'current_database', 'current_schema', 'current_user', 'session_user', 'inet_server_addr', 'pg_backend_pid',
]);

/**
 * Whether an expression calls a volatile function, so a DEFAULT using it is evaluated once per
 * existing row (a rewrite). Constants, casts, CURRENT_TIMESTAMP/now() and other stable calls are
 * evaluated once and stored in the catalog (PostgreSQL 11+). An unknown function is volatile
 * unless declared otherwise, as CREATE FUNCTION assumes.
 * Returns the name of the first volatile (or unknown) function, or undefined.
 */
export function volatileCall(expr: unknown, knowledge: SchemaKnowledge): string | undefined {
  let found: string | undefined;
  walk(expr, (obj) => {
    if (found) return;
    const call = obj.FuncCall as Node | undefined;
    if (!call) return;
    const name = nameList(call.funcname).split('.').at(-1)!.toLowerCase();
    const declared = knowledge.functions.get(name);
    if (declared) {
      if (declared === 'v') found = name;
    } else if (VOLATILE.has(name) || !NOT_VOLATILE.has(name)) {
      found = name;
    }
  });
  return found;
}

/** Records what a statement creates, validates, renames or drops. Called after the rules saw it. */
export function learn(knowledge: SchemaKnowledge, kind: string, body: Node, at: { file: number; statement: number }): void {
  switch (kind) {
    case 'CreateTableAsStmt': {
      const table = relationKey((body.into as Node | undefined)?.rel);
      if (table) knowledge.tables.add(table);
      return;
    }
    case 'CreateStmt': {
      const table = relationKey(body.relation);
      if (!table) return;
      knowledge.tables.add(table);
      for (const element of list(body.tableElts)) {
        const column = bodyOf(element, 'ColumnDef');
        if (column && typeof column.colname === 'string') {
          knowledge.setColumn(table, column.colname, columnType(column.typeName));
          for (const c of list(column.constraints)) addConstraint(knowledge, table, bodyOf(c, 'Constraint'), at);
        }
        addConstraint(knowledge, table, bodyOf(element, 'Constraint'), at);
      }
      return;
    }
    case 'AlterTableStmt': {
      const table = relationKey(body.relation);
      if (!table) return;
      for (const item of list(body.cmds)) {
        const cmd = bodyOf(item, 'AlterTableCmd');
        if (!cmd) continue;
        const name = typeof cmd.name === 'string' ? cmd.name : undefined;
        const def = bodyOf(cmd.def, 'ColumnDef');
        if (cmd.subtype === 'AT_AddColumn' && def && typeof def.colname === 'string') {
          knowledge.setColumn(table, def.colname, columnType(def.typeName));
          for (const c of list(def.constraints)) addConstraint(knowledge, table, bodyOf(c, 'Constraint'), at);
        } else if (cmd.subtype === 'AT_AlterColumnType' && name && def) {
          knowledge.setColumn(table, name, columnType(def.typeName));
        } else if (cmd.subtype === 'AT_DropColumn' && name) {
          knowledge.setColumn(table, name, undefined);
        } else if (cmd.subtype === 'AT_AddConstraint') {
          addConstraint(knowledge, table, bodyOf(cmd.def, 'Constraint'), at);
        } else if (cmd.subtype === 'AT_ValidateConstraint' && name) {
          const info = knowledge.constraint(table, name);
          if (info) info.validated = true;
        } else if (cmd.subtype === 'AT_DropConstraint' && name) {
          knowledge.setConstraint(table, name, undefined);
        }
      }
      return;
    }
    case 'RenameStmt': {
      const table = relationKey(body.relation);
      if (!table) return;
      if (body.renameType === 'OBJECT_TABLE' && typeof body.newname === 'string') {
        knowledge.renameTable(table, `${table.split('.')[0]}.${body.newname}`);
      } else if (body.renameType === 'OBJECT_COLUMN' && typeof body.subname === 'string' && typeof body.newname === 'string') {
        knowledge.renameColumn(table, body.subname, body.newname);
      }
      return;
    }
    case 'DropStmt':
      if (body.removeType === 'OBJECT_TABLE' || body.removeType === 'OBJECT_MATVIEW') {
        for (const object of list(body.objects)) {
          const names = list(bodyOf(object, 'List')?.items).map((i) => String(bodyOf(i, 'String')?.sval ?? ''));
          knowledge.dropTable(names.length > 1 ? names.join('.') : `public.${names[0] ?? ''}`);
        }
      }
      return;
    case 'CreateFunctionStmt': {
      const name = nameList(body.funcname).split('.').at(-1)!.toLowerCase();
      let volatility: 'i' | 's' | 'v' = 'v';
      for (const option of list(body.options)) {
        const def = bodyOf(option, 'DefElem');
        if (def?.defname !== 'volatility') continue;
        const value = String(bodyOf(def.arg, 'String')?.sval ?? '');
        volatility = value === 'immutable' ? 'i' : value === 'stable' ? 's' : 'v';
      }
      knowledge.functions.set(name, volatility);
      return;
    }
    default:
      return;
  }
}

function addConstraint(knowledge: SchemaKnowledge, table: string, constraint: Node | undefined, at: ConstraintInfo['addedIn']): void {
  if (!constraint) return;
  const kind = constraintKind(constraint);
  // A column's own NOT NULL / DEFAULT have no name; only named constraints can be validated later.
  const name = typeof constraint.conname === 'string' ? constraint.conname : undefined;
  if (!name || kind === 'other') return;
  // PostgreSQL 18 names NOT NULL constraints (`ADD CONSTRAINT n NOT NULL col [NOT VALID]`); a column's own bare NOT NULL has no name.
  const notNullColumn = kind === 'notnull' ? (bodyOf(list(constraint.keys)[0], 'String')?.sval as string | undefined) : notNullCheckColumn(constraint);
  knowledge.setConstraint(table, name, {
    kind,
    validated: constraint.skip_validation !== true,
    notNullColumn,
    addedIn: { ...at },
  });
}

