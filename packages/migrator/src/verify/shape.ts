/**
 * One schema described the same way whether it was read from the live catalog or from a
 * drizzle-kit snapshot: types, defaults, CHECK expressions and index definitions in the text
 * PostgreSQL itself prints (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef), so
 * that comparing two shapes compares meaning, not spelling.
 */
export interface ColumnShape {
  name: string;
  /** format_type(): `character varying(20)`, `timestamp with time zone`, `shop.level[]`. */
  type: string;
  notNull: boolean;
  /** pg_get_expr() of the default, a sequence's `nextval(...)` written `nextval(<sequence>)`; null when none. */
  default: string | null;
  /** `always` / `by default` for an identity column. */
  identity: 'always' | 'by default' | null;
  /** The expression of a stored generated column. */
  generated: string | null;
}

export interface IndexShape {
  name: string;
  unique: boolean;
  /** pg_get_indexdef() from `USING` on: method, keys with opclass and order, INCLUDE, WITH, WHERE. */
  definition: string;
  /** The key columns by name (expressions as printed), for messages and for classifying. */
  columns: string[];
}

export interface UniqueShape {
  name: string;
  columns: string[];
  nullsNotDistinct: boolean;
}

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  /** `schema.table` */
  references: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface CheckShape {
  name: string;
  /** pg_get_constraintdef() without ` NOT VALID`. */
  definition: string;
  /** False for a NOT VALID check (live only). */
  validated: boolean;
}

export interface TableShape {
  schema: string;
  name: string;
  columns: Map<string, ColumnShape>;
  /** The primary key's columns in key order; its name only where drizzle names it (composite keys). */
  primaryKey: { name: string | null; columns: string[] } | null;
  indexes: Map<string, IndexShape>;
  uniques: Map<string, UniqueShape>;
  foreignKeys: Map<string, ForeignKeyShape>;
  checks: Map<string, CheckShape>;
}

export interface EnumShape {
  schema: string;
  name: string;
  values: string[];
}

export interface SchemaShape {
  /** By `schema.table`. */
  tables: Map<string, TableShape>;
  /** By `schema.name`. */
  enums: Map<string, EnumShape>;
}

export const qualified = (schema: string, name: string) => `${schema}.${name}`;

/** `nextval('auth.users_id_seq'::regclass)` and a temporary table's sequence print the same. */
export function normaliseDefault(expr: string | null): string | null {
  if (expr === null) return null;
  return /^nextval\('[^']*'::regclass\)$/.test(expr) ? 'nextval(<sequence>)' : expr;
}

/** `USING btree (email) WHERE ...`: pg_get_indexdef() without `CREATE INDEX name ON table`, which differ between the live table and a probe. */
export function indexDefinitionBody(indexdef: string): string {
  const at = indexdef.indexOf(' USING ');
  return at === -1 ? indexdef : indexdef.slice(at + 1);
}

/** pg_get_constraintdef() of a CHECK without the ` NOT VALID` PostgreSQL appends to one not validated. */
export function checkDefinition(def: string): string {
  return def.replace(/ NOT VALID$/, '');
}
