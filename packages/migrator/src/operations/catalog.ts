import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';

/** A column as an operation needs to know it. */
export interface ColumnInfo {
  name: string;
  /** format_type: `character varying(20)`, `bigint`. */
  type: string;
  notNull: boolean;
  /** The default expression (pg_get_expr), or null. */
  default: string | null;
  identity: boolean;
  generated: boolean;
}

/** An index, constraint, view or trigger that uses a column, by name and kind. */
export interface ColumnUse {
  kind: 'index' | 'primary key' | 'unique' | 'foreign key' | 'check' | 'exclusion' | 'view' | 'referenced by foreign key';
  name: string;
}

export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  /** schema.name quoted where needed: safe to put in SQL. */
  sql: string;
  /** schema.name as the user reads it. */
  display: string;
  partitioned: boolean;
  columns: Map<string, ColumnInfo>;
  /** Primary key columns, in order (empty without one). */
  primaryKey: string[];
  /** Estimated rows (statistics). */
  estimatedRows: number;
}

/** `"auth"."users"` from its parts. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A table known by its name alone, without a database: what a plan needs of it (its name as SQL
 * and as shown). The linter builds plans from what the migrations it read say, not from a catalog.
 */
export function knownTable(schema: string, name: string, columns: readonly ColumnInfo[] = []): TableInfo {
  return {
    oid: 0,
    schema,
    name,
    sql: qualifiedName(schema, name),
    display: `${schema}.${name}`,
    partitioned: false,
    columns: new Map(columns.map((c) => [c.name, c])),
    primaryKey: [],
    estimatedRows: 0,
  };
}

/**
 * Splits `auth.users` or `"My Schema"."Users"` into schema and name, as PostgreSQL reads them
 * (unquoted parts fold to lower case); no schema means `public`.
 */
export function splitName(text: string): { schema: string; name: string } {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    if (s[i] === '"') {
      let j = i + 1;
      let part = '';
      for (;;) {
        if (j >= s.length) throw badName(text);
        if (s[j] === '"') {
          if (s[j + 1] === '"') {
            part += '"';
            j += 2;
            continue;
          }
          break;
        }
        part += s[j++];
      }
      parts.push(part);
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.') j++;
      const part = s.slice(i, j).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(part)) throw badName(text);
      parts.push(part.toLowerCase());
      i = j;
    }
    if (i < s.length) {
      if (s[i] !== '.') throw badName(text);
      i++;
    }
  }
  if (parts.length === 1) return { schema: 'public', name: parts[0]! };
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]! };
  throw badName(text);
}

function badName(text: string): MigratorError {
  return new MigratorError('E_OPERATION', `${JSON.stringify(text)} is not a table name (schema.table)`, {
    hint: 'give it as schema.table, e.g. auth.users; quote names with capitals or spaces: \'"MySchema"."MyTable"\'',
  });
}

/** Reads a table and its columns; E_OPERATION naming the table when it does not exist. */
export async function readTable(db: Queryable, table: string): Promise<TableInfo> {
  const { schema, name } = splitName(table);
  const { rows } = await db.query<{ oid: number; relkind: string; reltuples: string }>(
    `SELECT c.oid::int AS oid, c.relkind, greatest(c.reltuples, 0)::bigint::text AS reltuples
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  const found = rows[0];
  const display = `${schema}.${name}`;
  if (!found) {
    throw new MigratorError('E_OPERATION', `table ${display} does not exist in this database`, {
      hint: 'check the name and the schema (schema.table), and that the migrations that create it are applied (`sdk db status`)',
    });
  }
  if (found.relkind !== 'r' && found.relkind !== 'p') {
    throw new MigratorError('E_OPERATION', `${display} is not a table (relkind ${found.relkind})`, { hint: 'operations change tables; change the table a view reads from' });
  }
  const { rows: cols } = await db.query<{ name: string; type: string; notnull: boolean; def: string | null; identity: string; generated: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [found.oid],
  );
  const { rows: pk } = await db.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_catalog.pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`,
    [found.oid],
  );
  return {
    oid: found.oid,
    schema,
    name,
    sql: qualifiedName(schema, name),
    display,
    partitioned: found.relkind === 'p',
    columns: new Map(
      cols.map((c) => [c.name, { name: c.name, type: c.type, notNull: c.notnull, default: c.def, identity: c.identity !== '', generated: c.generated !== '' }]),
    ),
    primaryKey: pk.map((r) => r.name),
    estimatedRows: Number(found.reltuples),
  };
}

/** The column, or E_OPERATION naming the columns the table has. */
export function columnOf(table: TableInfo, column: string): ColumnInfo {
  const found = table.columns.get(column);
  if (!found) {
    throw new MigratorError('E_OPERATION', `${table.display} has no column ${column} (it has ${[...table.columns.keys()].join(', ')})`, {
      hint: 'check the column name: it is the name in the database (snake_case in a Drizzle schema), not the TypeScript property',
    });
  }
  return found;
}

/** E_OPERATION when the table already has the column. */
export function assertNoColumn(table: TableInfo, column: string, what: string): void {
  if (table.columns.has(column)) {
    throw new MigratorError('E_OPERATION', `${table.display} already has a column ${column}`, { hint: `pick another name for ${what}, or drop the column first` });
  }
}

/** Indexes, constraints and views that use the column (other than its own NOT NULL and default). */
export async function usesOfColumn(db: Queryable, table: TableInfo, column: string): Promise<ColumnUse[]> {
  const { rows } = await db.query<{ kind: ColumnUse['kind']; name: string }>(
    `WITH col AS (SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attname = $2)
     SELECT CASE c.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' ELSE 'exclusion' END AS kind, c.conname AS name
       FROM pg_catalog.pg_constraint c, col WHERE c.conrelid = $1 AND col.attnum = ANY (c.conkey) AND c.contype IN ('p', 'u', 'f', 'c', 'x')
     UNION ALL
     SELECT 'referenced by foreign key', c.conrelid::regclass::text || '.' || c.conname
       FROM pg_catalog.pg_constraint c, col WHERE c.confrelid = $1 AND c.contype = 'f' AND col.attnum = ANY (c.confkey)
     UNION ALL
     SELECT 'index', ic.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid, col
      WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = $1)
        AND (col.attnum = ANY (i.indkey::int2[]) OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\\m' || $2 || '\\M') OR pg_get_expr(i.indpred, i.indrelid) ~ ('\\m' || $2 || '\\M'))
     UNION ALL
     SELECT DISTINCT 'view', v.oid::regclass::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid JOIN pg_catalog.pg_class v ON v.oid = r.ev_class, col
      WHERE d.refobjid = $1 AND d.refobjsubid = col.attnum AND d.classid = 'pg_catalog.pg_rewrite'::regclass AND v.oid <> $1
     ORDER BY 1, 2`,
    [table.oid, column],
  );
  return rows;
}

/** Whether a constraint or index of this name exists in the table's schema. */
export async function relationOrConstraintExists(db: Queryable, schema: string, name: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
     UNION ALL SELECT 1 FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = $1 AND k.conname = $2`,
    [schema, name],
  );
  return rows.length > 0;
}

/** PostgreSQL's 63-byte identifier limit, cut on a character boundary. */
export function identifier(name: string): string {
  let out = name;
  while (Buffer.byteLength(out, 'utf8') > 63) out = out.slice(0, -1);
  return out;
}
