import type { Queryable } from '../db/metadata.js';
import { snapshotColumnType, type Snapshot, type SnapshotColumn, type SnapshotIndex, type SnapshotSchema, type SnapshotTable } from '../phased/index.js';
import { quoteIdent } from '../sql/quote.js';
import { readShape } from './live.js';
import { normaliseDefault, qualified, type ColumnShape, type EnumShape, type SchemaShape, type TableShape } from './shape.js';

const schemaOf = (schema: string | undefined) => (schema ? schema : 'public');

/** The schemas a snapshot describes: its tables', its enums' and the ones it creates. */
export function snapshotSchemas(snapshot: Snapshot): string[] {
  const s = snapshot as unknown as SnapshotSchema;
  const names = new Set<string>();
  for (const t of Object.values(s.tables ?? {})) names.add(schemaOf(t.schema));
  for (const e of Object.values(s.enums ?? {})) names.add(schemaOf(e.schema));
  for (const name of Object.values(s.schemas ?? {})) names.add(name);
  if (names.size === 0) names.add('public');
  return [...names].sort();
}

const defaultText = (c: SnapshotColumn) => (c.default === undefined ? null : String(c.default));

function columnSql(c: SnapshotColumn, withDefault: boolean): string {
  let sql = `${quoteIdent(c.name)} ${snapshotColumnType(c)}`;
  if (c.generated) sql += ` GENERATED ALWAYS AS (${c.generated.as}) STORED`;
  else if (withDefault && defaultText(c) !== null) sql += ` DEFAULT ${defaultText(c)}`;
  return sql;
}

/** CREATE INDEX as drizzle-kit writes it (its keys, order, NULLS, opclass, WITH and WHERE). */
function indexSql(table: string, i: SnapshotIndex): string {
  const keys = i.columns.map((k) => {
    const asc = k.asc !== false;
    const nulls = k.nulls ?? (asc ? 'last' : 'first');
    return `${k.isExpression ? k.expression : quoteIdent(k.expression)}${k.opclass ? ` ${k.opclass}` : ''}${asc ? '' : ' DESC'}${nulls === (asc ? 'last' : 'first') ? '' : ` NULLS ${nulls.toUpperCase()}`}`;
  });
  const withs = Object.entries(i.with ?? {});
  return `CREATE ${i.isUnique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(i.name)} ON ${quoteIdent(table)} USING ${i.method ?? 'btree'} (${keys.join(', ')})${withs.length ? ` WITH (${withs.map(([k, v]) => `${k} = ${String(v)}`).join(', ')})` : ''}${i.where ? ` WHERE ${i.where}` : ''}`;
}

/** Runs `sql` under a savepoint: true when it worked, false (and rolled back to before it) when PostgreSQL refused it. */
async function attempt(db: Queryable, sql: string): Promise<boolean> {
  await db.query('SAVEPOINT sdk_drift_step');
  try {
    await db.query(sql);
    await db.query('RELEASE SAVEPOINT sdk_drift_step');
    return true;
  } catch {
    // Refused (an enum the database lacks, an expression it cannot parse): the snapshot's own text is compared instead.
    await db.query('ROLLBACK TO SAVEPOINT sdk_drift_step');
    return false;
  }
}

/**
 * The schema a snapshot describes, in the text PostgreSQL prints for it. Each table is created
 * as a temporary table of the same name (so drizzle-kit's `"users"."email"` in a CHECK or an
 * index's WHERE resolves), with the snapshot's types, defaults, checks and indexes; the catalog
 * then prints them as it prints the live ones (`varchar(20)` becomes `character varying(20)`,
 * `'active'` becomes `'active'::character varying`, `serial` an integer with a sequence). What
 * PostgreSQL refuses (an enum the database lacks) keeps the snapshot's text, which then differs.
 *
 * Runs inside one transaction that is rolled back: nothing is left behind, and temporary tables
 * touch no other session. `db` must be a single connection outside a transaction.
 */
export async function expectedShape(db: Queryable, snapshot: Snapshot): Promise<SchemaShape> {
  const s = snapshot as unknown as SnapshotSchema;
  const tables = new Map<string, TableShape>();
  await db.query('BEGIN');
  try {
    for (const t of Object.values(s.tables ?? {})) {
      const table = await probeTable(db, t);
      tables.set(qualified(table.schema, table.name), table);
    }
  } finally {
    await db.query('ROLLBACK');
  }
  const enums = new Map<string, EnumShape>();
  for (const e of Object.values(s.enums ?? {})) enums.set(qualified(schemaOf(e.schema), e.name), { schema: schemaOf(e.schema), name: e.name, values: e.values });
  return { tables, enums };
}

async function probeTable(db: Queryable, t: SnapshotTable): Promise<TableShape> {
  const columns = Object.values(t.columns ?? {});
  const name = quoteIdent(t.name);
  const raw = new Map<string, Partial<ColumnShape>>();
  await db.query('SAVEPOINT sdk_drift_table');
  try {
    if (!(await attempt(db, `CREATE TEMPORARY TABLE ${name} (${columns.map((c) => columnSql(c, true)).join(', ')})`))) {
      // One column at a time, to keep what PostgreSQL understands and the snapshot's text for the rest.
      await db.query(`CREATE TEMPORARY TABLE ${name} ()`);
      for (const c of columns) {
        if (!(await attempt(db, `ALTER TABLE ${name} ADD COLUMN ${columnSql(c, false)}`))) {
          raw.set(c.name, { type: snapshotColumnType(c) });
          // A column of some type, so that checks and indexes on it can still be read.
          await db.query(`ALTER TABLE ${name} ADD COLUMN ${quoteIdent(c.name)} text`);
        }
        const def = defaultText(c);
        if (def !== null && !c.generated && !(await attempt(db, `ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(c.name)} SET DEFAULT ${def}`))) {
          raw.set(c.name, { ...raw.get(c.name), default: def });
        }
      }
    }
    const rawChecks = new Map<string, string>();
    for (const k of Object.values(t.checkConstraints ?? {})) {
      if (!(await attempt(db, `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdent(k.name)} CHECK (${k.value}) NOT VALID`))) rawChecks.set(k.name, `CHECK (${k.value})`);
    }
    const rawIndexes = new Map<string, string>();
    for (const i of Object.values(t.indexes ?? {})) {
      if (!(await attempt(db, indexSql(t.name, i)))) rawIndexes.set(i.name, indexSql(t.name, i));
    }
    const { rows } = await db.query<{ oid: number }>(`SELECT c.oid::int AS oid FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = $1`, [t.name]);
    const probe = [...(await readShape(db, { oids: rows.map((r) => r.oid) })).tables.values()][0];
    if (!probe) throw new Error(`internal: the probe of ${t.name} was not created`);
    return {
      schema: schemaOf(t.schema),
      name: t.name,
      columns: new Map(
        columns.map((c) => {
          const read = probe.columns.get(c.name)!;
          const override = raw.get(c.name) ?? {};
          const column: ColumnShape = {
            name: c.name,
            type: override.type ?? read.type,
            notNull: c.notNull === true || c.primaryKey === true,
            default: c.identity ? null : override.default !== undefined ? normaliseDefault(override.default) : read.default,
            identity: c.identity ? (c.identity.type === 'always' ? 'always' : 'by default') : null,
            generated: read.generated,
          };
          return [c.name, column];
        }),
      ),
      primaryKey: primaryKeyOf(t, columns),
      indexes: new Map(
        Object.values(t.indexes ?? {}).map((i) => {
          const read = probe.indexes.get(i.name);
          return [i.name, read && !rawIndexes.has(i.name)
            ? read
            : { name: i.name, unique: i.isUnique === true, definition: rawIndexes.get(i.name) ?? indexSql(t.name, i), columns: i.columns.map((k) => k.expression) }];
        }),
      ),
      uniques: new Map(Object.values(t.uniqueConstraints ?? {}).map((u) => [u.name, { name: u.name, columns: u.columns, nullsNotDistinct: u.nullsNotDistinct === true }])),
      foreignKeys: new Map(
        Object.values(t.foreignKeys ?? {}).map((f) => [
          f.name,
          {
            name: f.name,
            columns: f.columnsFrom,
            references: qualified(schemaOf(f.schemaTo), f.tableTo),
            referencedColumns: f.columnsTo,
            onDelete: (f.onDelete ?? 'no action').toLowerCase(),
            onUpdate: (f.onUpdate ?? 'no action').toLowerCase(),
          },
        ]),
      ),
      checks: new Map(
        Object.values(t.checkConstraints ?? {}).map((k) => [k.name, { name: k.name, definition: rawChecks.get(k.name) ?? probe.checks.get(k.name)!.definition, validated: true }]),
      ),
    };
  } finally {
    // Drops the probe: the next table may have the same name in another schema.
    await db.query('ROLLBACK TO SAVEPOINT sdk_drift_table');
  }
}

function primaryKeyOf(t: SnapshotTable, columns: SnapshotColumn[]): TableShape['primaryKey'] {
  const composite = Object.values(t.compositePrimaryKeys ?? {})[0];
  if (composite) return { name: composite.name, columns: composite.columns };
  const single = columns.filter((c) => c.primaryKey).map((c) => c.name);
  return single.length ? { name: null, columns: single } : null;
}
