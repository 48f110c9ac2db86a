import { walkKey as keyOf } from '../db/walk-key.js';
import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { identifier, type TableInfo } from './catalog.js';

/**
 * What rewrite-table has to carry over to the new table, read from the catalog: what CREATE
 * TABLE (LIKE ... INCLUDING ALL) copies by itself (columns, defaults, NOT NULL, CHECK, generated
 * columns, comments on columns, storage and statistics) is not listed here.
 */
export interface TableExtras {
  unlogged: boolean;
  isPartition: boolean;
  inherits: boolean;
  rowSecurity: boolean;
  reloptions: string[];
  comment: string | null;
  owner: string;
  currentUser: string;
  /** `GRANT ... ON <new> TO ...` for each grantee other than the owner, without the table (`{table}`). */
  grants: string[];
}

/** An index of the table, and the constraint it backs (same name in PostgreSQL), if any. */
export interface IndexFact {
  name: string;
  primary: boolean;
  unique: boolean;
  valid: boolean;
  /** Constraint kind: p, u or x; null for a plain index. */
  constraint: string | null;
  /** pg_get_constraintdef for a constraint (`UNIQUE (email)`), or the part of pg_get_indexdef after the table (`USING btree (lower(email))`). */
  definition: string;
  /** Key columns, null where an expression is. */
  columns: Array<string | null>;
}

export interface SequenceFact {
  column: string;
  /** Identity sequence ('i') or a serial one owned by the column ('a'). */
  identity: boolean;
  /** GENERATED ALWAYS (identity only). */
  always: boolean;
  schema: string;
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
}

export interface TriggerFact {
  name: string;
  /** pg_get_triggerdef: names the table, so it creates the trigger on whatever table has that name. */
  definition: string;
  /** pg_trigger.tgenabled: O (on), D (disabled), R (replica), A (always). */
  enabled: string;
}

export async function tableExtras(db: Queryable, table: TableInfo): Promise<TableExtras> {
  const { rows } = await db.query<{
    persistence: string;
    is_partition: boolean;
    inherits: boolean;
    row_security: boolean;
    reloptions: string[] | null;
    comment: string | null;
    owner: string;
    current_user: string;
  }>(
    `SELECT c.relpersistence AS persistence, c.relispartition AS is_partition, c.relrowsecurity AS row_security, c.reloptions,
            EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid) AS inherits,
            pg_catalog.obj_description(c.oid, 'pg_class') AS comment, pg_catalog.pg_get_userbyid(c.relowner) AS owner, current_user AS current_user
       FROM pg_catalog.pg_class c WHERE c.oid = $1`,
    [table.oid],
  );
  const r = rows[0]!;
  // The owner's own entry is ownership, not a grant; PUBLIC is grantee 0.
  const { rows: acl } = await db.query<{ grantee: string; privileges: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END AS grantee,
            string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges, a.is_grantable AS grantable
       FROM pg_catalog.pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
      WHERE c.oid = $1 AND a.grantee <> c.relowner
      GROUP BY a.grantee, a.is_grantable ORDER BY 1, 3`,
    [table.oid],
  );
  return {
    unlogged: r.persistence === 'u',
    isPartition: r.is_partition,
    inherits: r.inherits,
    rowSecurity: r.row_security,
    reloptions: r.reloptions ?? [],
    comment: r.comment,
    owner: r.owner,
    currentUser: r.current_user,
    grants: acl.map((a) => `GRANT ${a.privileges} ON {table} TO ${a.grantee}${a.grantable ? ' WITH GRANT OPTION' : ''};`),
  };
}

/**
 * The key the copy walks and the capture trigger finds rows by: the primary key, else the narrowest
 * unique index over NOT NULL columns without predicate or expression (the backfill engine picks
 * the same one).
 */
export async function walkKey(db: Queryable, table: TableInfo): Promise<string[] | undefined> {
  return (await keyOf(db, table.oid))?.cols;
}

/** Foreign keys of other tables (and of the table itself) that reference it, and views that read it: the swap would leave them on the old table. */
export async function dependents(db: Queryable, table: TableInfo): Promise<string[]> {
  const { rows } = await db.query<{ what: string }>(
    `SELECT 'foreign key ' || c.conname || ' of ' || c.conrelid::regclass::text AS what FROM pg_catalog.pg_constraint c WHERE c.confrelid = $1 AND c.contype = 'f'
     UNION ALL
     SELECT DISTINCT CASE v.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END || v.oid::regclass::text
       FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
      WHERE d.refobjid = $1 AND d.classid = 'pg_catalog.pg_rewrite'::regclass AND v.oid <> $1
     ORDER BY 1`,
    [table.oid],
  );
  return rows.map((r) => r.what);
}

/**
 * Runs `read` with an empty search_path, so that the definitions PostgreSQL prints
 * (pg_get_indexdef, pg_get_constraintdef, pg_get_triggerdef) name every table, type and function
 * with its schema, and mean the same whatever search_path the migration later runs with.
 */
export async function withQualifiedNames<T>(db: Queryable, read: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    await db.query("SET LOCAL search_path = ''");
    return await read();
  } finally {
    await db.query('ROLLBACK').catch(() => {});
  }
}

export async function indexFacts(db: Queryable, table: TableInfo): Promise<IndexFact[]> {
  const { rows } = await db.query<{ name: string; primary: boolean; unique: boolean; valid: boolean; contype: string | null; condef: string | null; indexdef: string; columns: Array<string | null> }>(
    `SELECT ic.relname AS name, i.indisprimary AS primary, i.indisunique AS unique, i.indisvalid AS valid, con.contype::text AS contype,
            pg_catalog.pg_get_constraintdef(con.oid) AS condef, pg_catalog.pg_get_indexdef(i.indexrelid) AS indexdef,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                   WHERE k.ord <= i.indnkeyatts ORDER BY k.ord) AS columns
       FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
      WHERE i.indrelid = $1
      ORDER BY i.indisprimary DESC, ic.relname`,
    [table.oid],
  );
  return rows.map((r) => {
    let definition = r.condef;
    if (!definition) {
      // `CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING method (...)`: keep what follows the table.
      const using = / USING /.exec(r.indexdef.slice(r.indexdef.indexOf(' ON ')));
      if (!using) throw new MigratorError('E_OPERATION', `cannot read the definition of index ${r.name}: ${r.indexdef}`, { hint: 'drop and recreate the index, or report this' });
      definition = r.indexdef.slice(r.indexdef.indexOf(' ON ') + using.index + 1);
    }
    return { name: r.name, primary: r.primary, unique: r.unique, valid: r.valid, constraint: r.contype, definition, columns: r.columns };
  });
}

/** CHECK constraints added NOT VALID: CREATE TABLE (LIKE ...) would copy them as valid, and rows that break them would fail to copy. */
export async function unvalidatedChecks(db: Queryable, table: TableInfo): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`SELECT conname AS name FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'c' AND NOT convalidated ORDER BY 1`, [table.oid]);
  return rows.map((r) => r.name);
}

/** The table's own foreign keys (name and definition), carried over to the new table under the same names (they are per table). */
export async function foreignKeys(db: Queryable, table: TableInfo): Promise<Array<{ name: string; definition: string }>> {
  const { rows } = await db.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_catalog.pg_get_constraintdef(oid) AS definition FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'f' ORDER BY 1`,
    [table.oid],
  );
  return rows;
}

/** Sequences the table's columns own: identity sequences, and serial ones (OWNED BY). */
export async function sequenceFacts(db: Queryable, table: TableInfo): Promise<SequenceFact[]> {
  const { rows } = await db.query<{ column: string; deptype: string; identity: string; schema: string; name: string; type: string; start: string; increment: string; min: string; max: string; cache: string; cycle: boolean }>(
    `SELECT a.attname AS column, d.deptype::text AS deptype, a.attidentity::text AS identity, n.nspname AS schema, s.relname AS name,
            pg_catalog.format_type(q.seqtypid, NULL) AS type, q.seqstart::text AS start, q.seqincrement::text AS increment,
            q.seqmin::text AS min, q.seqmax::text AS max, q.seqcache::text AS cache, q.seqcycle AS cycle
       FROM pg_catalog.pg_depend d
       JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace
       JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
       JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = $1 AND d.deptype IN ('a', 'i')
      ORDER BY a.attnum`,
    [table.oid],
  );
  return rows.map((r) => ({ ...r, identity: r.deptype === 'i', always: r.identity === 'a' }));
}

export async function userTriggers(db: Queryable, table: TableInfo): Promise<TriggerFact[]> {
  const { rows } = await db.query<TriggerFact>(
    `SELECT tgname AS name, pg_catalog.pg_get_triggerdef(oid) AS definition, tgenabled::text AS enabled FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname`,
    [table.oid],
  );
  return rows;
}

/** The names among `names` that a relation (table, index, sequence...) or a function of the schema already has. */
export async function takenNames(db: Queryable, schema: string, names: string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY ($2)
     UNION SELECT p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = ANY ($2)
     ORDER BY 1`,
    [schema, names],
  );
  return rows.map((r) => r.name);
}

/** Limits of a sequence type, for leaving out MINVALUE and MAXVALUE where they are the defaults. */
const TYPE_LIMITS: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * The identity options that recreate a sequence's behaviour on the new column: INCREMENT, CACHE,
 * CYCLE, and MINVALUE / MAXVALUE only where they are not the defaults of its type (so an integer
 * identity moved to a bigint column gets bigint's range).
 */
export function identityOptions(s: SequenceFact, sequenceSql: string): string {
  const [low, high] = TYPE_LIMITS[s.type] ?? [undefined, undefined];
  const up = BigInt(s.increment) > 0n;
  const parts = [`SEQUENCE NAME ${sequenceSql}`, `INCREMENT BY ${s.increment}`];
  if (!(up ? BigInt(s.min) === 1n : BigInt(s.min) === low)) parts.push(`MINVALUE ${s.min}`);
  if (!(up ? BigInt(s.max) === high : BigInt(s.max) === -1n)) parts.push(`MAXVALUE ${s.max}`);
  parts.push(`START WITH ${s.start}`, `CACHE ${s.cache}`, s.cycle ? 'CYCLE' : 'NO CYCLE');
  return parts.join(' ');
}

/** `name_suffix` within PostgreSQL's 63 bytes: the name is cut, never the suffix. */
export function suffixed(name: string, suffix: string): string {
  let base = name;
  while (base.length > 0 && Buffer.byteLength(`${base}_${suffix}`, 'utf8') > 63) base = base.slice(0, -1);
  return identifier(`${base}_${suffix}`);
}
