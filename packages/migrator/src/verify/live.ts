import type { Queryable } from '../db/metadata.js';
import {
  checkDefinition,
  indexDefinitionBody,
  normaliseDefault,
  qualified,
  type EnumShape,
  type SchemaShape,
  type TableShape,
} from './shape.js';

/** A live sync trigger of an expand/contract operation (`sdk_sync_<column>`). */
export interface LiveTrigger {
  table: string;
  name: string;
}

const FK_ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/**
 * The tables of `schemas` as the catalog describes them: ordinary and partitioned tables (not
 * their partitions), with the text PostgreSQL prints for types, defaults, checks and indexes.
 * `oids` limits the read to some relations (the probe's temporary tables).
 */
export async function readShape(db: Queryable, scope: { schemas: readonly string[] } | { oids: readonly number[] }): Promise<SchemaShape> {
  const where = 'schemas' in scope ? 'n.nspname = ANY($1::text[]) AND NOT c.relispartition' : 'c.oid = ANY($1::oid[])';
  const param = 'schemas' in scope ? [...scope.schemas] : [...scope.oids];
  const tables = new Map<string, TableShape>();
  const byOid = new Map<number, TableShape>();
  const { rows: rels } = await db.query<{ oid: number; schema: string; name: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${where} ORDER BY 2, 3`,
    [param],
  );
  for (const r of rels) {
    const table: TableShape = { schema: r.schema, name: r.name, columns: new Map(), primaryKey: null, indexes: new Map(), uniques: new Map(), foreignKeys: new Map(), checks: new Map() };
    tables.set(qualified(r.schema, r.name), table);
    byOid.set(r.oid, table);
  }
  const oids = [...byOid.keys()];
  if (oids.length === 0) return { tables, enums: 'schemas' in scope ? await readEnums(db, scope.schemas) : new Map() };

  const { rows: cols } = await db.query<{ rel: number; name: string; type: string; not_null: boolean; def: string | null; identity: string; generated: string }>(
    `SELECT a.attrelid::int AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  for (const c of cols) {
    const generated = c.generated === 's' ? c.def : null;
    byOid.get(c.rel)!.columns.set(c.name, {
      name: c.name,
      type: c.type,
      notNull: c.not_null,
      default: generated === null ? normaliseDefault(c.def) : null,
      identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by default' : null,
      generated,
    });
  }

  const { rows: cons } = await db.query<{
    rel: number; name: string; type: string; def: string; validated: boolean; columns: string[]; ref_table: string | null; ref_columns: string[] | null; del: string; upd: string;
  }>(
    `SELECT k.conrelid::int AS rel, k.conname AS name, k.contype::text AS type, pg_get_constraintdef(k.oid) AS def, k.convalidated AS validated,
            ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)::text[] AS columns,
            CASE WHEN k.contype = 'f' THEN (SELECT rn.nspname || '.' || rc.relname FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = k.confrelid) END AS ref_table,
            CASE WHEN k.contype = 'f' THEN ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)::text[] END AS ref_columns,
            k.confdeltype::text AS del, k.confupdtype::text AS upd
       FROM pg_constraint k WHERE k.conrelid = ANY($1::oid[]) AND k.contype IN ('p', 'u', 'f', 'c') ORDER BY k.conrelid, k.conname`,
    [oids],
  );
  const constraintIndexes = new Set<string>();
  for (const k of cons) {
    const table = byOid.get(k.rel)!;
    if (k.type === 'p') {
      table.primaryKey = { name: k.name, columns: k.columns };
      constraintIndexes.add(`${k.rel}:${k.name}`);
    } else if (k.type === 'u') {
      table.uniques.set(k.name, { name: k.name, columns: k.columns, nullsNotDistinct: k.def.includes('NULLS NOT DISTINCT') });
      constraintIndexes.add(`${k.rel}:${k.name}`);
    } else if (k.type === 'f') {
      table.foreignKeys.set(k.name, {
        name: k.name,
        columns: k.columns,
        references: k.ref_table ?? '?',
        referencedColumns: k.ref_columns ?? [],
        onDelete: FK_ACTIONS[k.del] ?? k.del,
        onUpdate: FK_ACTIONS[k.upd] ?? k.upd,
      });
    } else {
      table.checks.set(k.name, { name: k.name, definition: checkDefinition(k.def), validated: k.validated });
    }
  }

  // Indexes that back a primary key or a unique constraint are compared as those constraints.
  const { rows: idx } = await db.query<{ rel: number; name: string; unique: boolean; def: string; columns: string[] }>(
    `SELECT i.indrelid::int AS rel, ic.relname AS name, i.indisunique AS unique, pg_get_indexdef(i.indexrelid) AS def,
            ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k)::text[] AS columns
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = ANY($1::oid[]) ORDER BY i.indrelid, ic.relname`,
    [oids],
  );
  for (const i of idx) {
    if (constraintIndexes.has(`${i.rel}:${i.name}`)) continue;
    byOid.get(i.rel)!.indexes.set(i.name, { name: i.name, unique: i.unique, definition: indexDefinitionBody(i.def), columns: i.columns });
  }
  return { tables, enums: 'schemas' in scope ? await readEnums(db, scope.schemas) : new Map() };
}

async function readEnums(db: Queryable, schemas: readonly string[]): Promise<Map<string, EnumShape>> {
  const { rows } = await db.query<{ schema: string; name: string; values: string[] }>(
    `SELECT n.nspname AS schema, t.typname AS name, ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::text[] AS values
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype = 'e' AND n.nspname = ANY($1::text[]) ORDER BY 1, 2`,
    [[...schemas]],
  );
  return new Map(rows.map((r) => [qualified(r.schema, r.name), r]));
}

/** The sync triggers (`sdk_sync_*`) on the tables of `schemas`: an expand/contract operation keeps two columns equal with them. */
export async function readSyncTriggers(db: Queryable, schemas: readonly string[]): Promise<LiveTrigger[]> {
  const { rows } = await db.query<{ table: string; name: string }>(
    `SELECT n.nspname || '.' || c.relname AS table, t.tgname AS name
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgname LIKE 'sdk\\_sync\\_%' AND n.nspname = ANY($1::text[]) ORDER BY 1, 2`,
    [[...schemas]],
  );
  return rows;
}
