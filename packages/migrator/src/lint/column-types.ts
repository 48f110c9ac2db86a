import { bodyOf, list, stringValue, type Node, type TypeName } from '../sql/ast.js';

/**
 * Column types as the linter compares them, and which `ALTER COLUMN ... TYPE` changes keep the
 * rows (PostgreSQL then skips the rewrite).
 */

/** A column type as PostgreSQL names it internally: `varchar` with typmods `[255]`, `int4`, `_text`... */
export interface ColumnType {
  name: string;
  typmods: number[];
  array: boolean;
}

/** Aliases the parser leaves as written; everything else arrives as the internal name (`int4`, `varchar`). */
const TYPE_ALIASES: Record<string, string> = {
  serial: 'int4', serial4: 'int4', bigserial: 'int8', serial8: 'int8', smallserial: 'int2', serial2: 'int2',
  int: 'int4', integer: 'int4', bigint: 'int8', smallint: 'int2', 'character varying': 'varchar', character: 'bpchar',
  char: 'bpchar', boolean: 'bool', 'double precision': 'float8', real: 'float4', decimal: 'numeric',
};

/** ColumnDef.typeName / TypeCast.typeName (a TypeName body) -> ColumnType. */
export function columnType(typeName: TypeName | undefined): ColumnType | undefined {
  const t = typeName;
  if (!t) return undefined;
  const raw = (stringValue(list(t.names).at(-1)) ?? '').toLowerCase();
  if (!raw) return undefined;
  const typmods = list(t.typmods).map((m) => bodyOf(m, 'A_Const')?.ival?.ival ?? 0);
  return { name: TYPE_ALIASES[raw] ?? raw, typmods, array: list(t.arrayBounds).length > 0 };
}

export function typeText(type: ColumnType): string {
  return `${type.name}${type.typmods.length ? `(${type.typmods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

/** Types whose typmod only limits values: widening or removing it does not touch the rows. */
const WIDENABLE = new Set(['varchar', 'varbit', 'numeric', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval']);

/** A domain as a type change sees it: its base type, and whether it has CHECK or NOT NULL constraints. */
export interface DomainType {
  baseType: ColumnType | undefined;
  constrained: boolean;
}

/** What knows the domains a column type may name (SchemaKnowledge). */
export interface DomainLookup {
  domainOf(type: ColumnType): DomainType | undefined;
}

/**
 * Whether `ALTER COLUMN ... TYPE to` keeps the rows as they are (binary-coercible, or a typmod
 * that only widens), so PostgreSQL skips the rewrite (and, for these, the scan). Widening and
 * binary-coercible pairs hold for plain types only, not for arrays of them.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 * `undefined` when the current type is unknown.
 *
 * Domains (`domains`): a domain without constraints adds no check, so changing to it keeps the
 * rows when changing to its base type would; a domain with a CHECK or NOT NULL checks every value
 * and PostgreSQL rewrites (ATColumnChangeRequiresRewrite). A value of a domain is a value of its
 * base type, so changing a domain column to exactly that type keeps the rows; to another typmod it
 * does not, since the column's own typmod (-1) does not tell the length check what the old limit
 * was (all checked on PostgreSQL 15 by relfilenode).
 */
export function typeChangeKeepsRows(from: ColumnType | undefined, to: ColumnType, domains?: DomainLookup): boolean | undefined {
  if (!from) return undefined;
  if (domains && from.name !== to.name && !from.array && !to.array) {
    const target = domains.domainOf(to);
    if (target) return !target.constrained && target.baseType !== undefined && typeChangeKeepsRows(from, target.baseType, domains) === true;
    const source = domains.domainOf(from);
    if (source?.baseType) {
      const base = source.baseType;
      return sameType(base, to) || (to.typmods.length === 0 && typeChangeKeepsRows(base, to, domains) === true);
    }
  }
  if (from.array !== to.array) return false;
  if (from.array) {
    // An array's elements go through ArrayCoerceExpr, which ATColumnChangeRequiresRewrite never
    // takes for a no-op: only the same type, or dropping the typmod (varchar(20)[] -> varchar[]), keeps the rows.
    return from.name === to.name && (sameMods(from.typmods, to.typmods) || to.typmods.length === 0);
  }
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
  if (from.name === 'xml' && (to.name === 'text' || (to.name === 'varchar' && to.typmods.length === 0))) return true;
  // bit(n) -> varbit is a relabel; with a length, the length check is not simplified away and
  // PostgreSQL 15 rewrites (bit(8) -> varbit(8) or varbit(16): a new relfilenode).
  if (from.name === 'bit' && to.name === 'varbit' && to.typmods.length === 0) return true;
  return false;
}

function sameMods(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * timestamp <-> timestamptz to a precision of 6 or none: PostgreSQL 12+ only relabels the column
 * when the session TimeZone has a zero UTC offset (TimestampTimestampTzRequiresRewrite). Any other
 * target precision adds a typmod coercion on top of the conversion, which is not simplified away.
 */
export function timestampZoneChangeSkipsRewriteInUtc(from: ColumnType, to: ColumnType): boolean {
  const pair = (from.name === 'timestamp' && to.name === 'timestamptz') || (from.name === 'timestamptz' && to.name === 'timestamp');
  return pair && !from.array && !to.array && (to.typmods.length === 0 || to.typmods[0] === 6);
}

function sameType(a: ColumnType, b: ColumnType): boolean {
  return a.name === b.name && a.array === b.array && sameMods(a.typmods, b.typmods);
}

/**
 * Whether the USING clause of `ALTER COLUMN column TYPE to USING ...` is what PostgreSQL does
 * without one: the column itself, or the column cast to the new type (`USING sku`,
 * `USING name::varchar(200)`). Such a USING does not force a rewrite.
 */
export function usingIsPlainColumn(using: Node | undefined, column: string | undefined, to: ColumnType | undefined): boolean {
  if (using === undefined) return true;
  const isColumn = (expr: Node | undefined) => {
    const fields = list(bodyOf(expr, 'ColumnRef')?.fields);
    return fields.length === 1 && stringValue(fields[0]) === column;
  };
  if (isColumn(using)) return true;
  const cast = bodyOf(using, 'TypeCast');
  const castTo = cast ? columnType(cast.typeName) : undefined;
  return cast !== undefined && isColumn(cast.arg) && castTo !== undefined && to !== undefined && sameType(castTo, to);
}
