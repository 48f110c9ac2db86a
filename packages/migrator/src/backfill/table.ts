import type pg from 'pg';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { walkKey } from '../db/walk-key.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The table a backfill walks, and the key it walks it by. */
export interface KeyedTable {
  oid: number;
  /** schema.table, quoted where needed: safe to put in SQL. */
  sql: string;
  /** schema.table as the user reads it. */
  display: string;
  /** Key columns, in index order. */
  key: string[];
  /** Their types (format_type), for casting checkpoint values back. */
  keyTypes: string[];
  /** Rows in the table according to the statistics (never negative). */
  estimatedRows: number;
}

/**
 * Resolves `table` (as PostgreSQL would read it, search_path included) and picks the key to walk
 * it by: the primary key, else the narrowest unique index over NOT NULL columns with no predicate
 * and no expression. Refuses a table that has neither, naming what to add.
 */
export async function keyedTable(db: Queryable, table: string): Promise<KeyedTable> {
  const { rows } = await db.query<{ oid: number | null; schema: string; name: string; relkind: string; reltuples: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind, c.reltuples::bigint::text AS reltuples
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [table],
  ).catch((error: unknown) => {
    throw new MigratorError('E_BACKFILL_TABLE', `${JSON.stringify(table)} is not a table name PostgreSQL can read (${(error as Error).message})`, {
      hint: 'give it as schema.table, e.g. public.items; quote names with capitals or spaces: \'"MySchema"."MyTable"\'',
    });
  });
  const found = rows[0];
  if (!found) {
    throw new MigratorError('E_BACKFILL_TABLE', `table ${table} does not exist in this database`, {
      hint: 'check the name and the schema (schema.table); sdk db status shows which database this is',
    });
  }
  const display = `${found.schema}.${found.name}`;
  if (found.relkind !== 'r' && found.relkind !== 'p') {
    throw new MigratorError('E_BACKFILL_TABLE', `${display} is not a table (relkind ${found.relkind}): a backfill updates a table's rows`, {
      hint: 'backfill the table the view or materialized view reads from',
    });
  }
  const key = await walkKey(db, found.oid!);
  if (!key) {
    throw new MigratorError('E_BACKFILL_NO_KEY', `${display} has no primary key and no unique index over NOT NULL columns: a backfill walks the table in key order and needs one`, {
      hint: `add a primary key (ALTER TABLE ${quoteIdent(found.schema)}.${quoteIdent(found.name)} ADD PRIMARY KEY (...), after CREATE UNIQUE INDEX CONCURRENTLY on the same columns to build it without blocking writes), then run the backfill again`,
    });
  }
  return {
    oid: found.oid!,
    sql: `${quoteIdent(found.schema)}.${quoteIdent(found.name)}`,
    display,
    key: key.cols,
    keyTypes: key.types,
    estimatedRows: Math.max(0, Number(found.reltuples)),
  };
}

/** The table a copy writes into: it must exist and be a table; it needs no key of its own. */
export async function copyTarget(db: Queryable, table: string): Promise<{ oid: number; sql: string; display: string }> {
  const { rows } = await db
    .query<{ oid: number; schema: string; name: string; relkind: string }>(
      `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass($1)`,
      [table],
    )
    .catch((error: unknown) => {
      throw new MigratorError('E_BACKFILL_TABLE', `${JSON.stringify(table)} is not a table name PostgreSQL can read (${(error as Error).message})`, {
        hint: 'give the copy\'s target as schema.table, e.g. public.items_sdk_new',
      });
    });
  const found = rows[0];
  if (!found) {
    throw new MigratorError('E_BACKFILL_TABLE', `table ${table} (the copy's target) does not exist in this database`, {
      hint: 'create it first: rewrite-table\'s expand migration creates the new table the copy fills',
    });
  }
  const display = `${found.schema}.${found.name}`;
  if (found.relkind !== 'r' && found.relkind !== 'p') {
    throw new MigratorError('E_BACKFILL_TABLE', `${display} is not a table (relkind ${found.relkind}): a copy inserts into a table`, { hint: 'copy into a table' });
  }
  return { oid: found.oid, sql: `${quoteIdent(found.schema)}.${quoteIdent(found.name)}`, display };
}
