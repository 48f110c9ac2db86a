import type pg from 'pg';
import { indexNameCandidates } from '../sql/index-name.js';
import type { IndexStatement } from '../sql/index-statement.js';
import { quoteIdent } from '../sql/quote.js';

type Queryable = Pick<pg.Client, 'query'>;

/**
 * What an index is, in PostgreSQL's own canonical words and without its name or table: access
 * method, uniqueness (and NULLS NOT DISTINCT), each column or expression with its collation,
 * operator class and ordering, the predicate and the storage options. Two indexes with the same
 * definition on the same table answer the same queries: one of them is a leftover.
 */
const DEFINITION = `json_build_array(
    i.indisunique, to_jsonb(i) -> 'indnullsnotdistinct', am.amname, i.indnkeyatts,
    i.indclass::text, i.indcollation::text, i.indoption::text,
    ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnatts) k),
    pg_get_expr(i.indpred, i.indrelid, true), c.reloptions)::text`;

export interface LeftoverIndex {
  schema: string;
  name: string;
  definition: string;
}

/**
 * INVALID indexes on a table (what a failed or killed CREATE INDEX CONCURRENTLY leaves), with
 * their definitions. Not those being built right now by another session (they are INVALID
 * until the build ends: pg_stat_progress_create_index, PostgreSQL 12+), nor the INVALID parent
 * index of a partitioned table, which is waiting for its partitions' indexes to be attached.
 */
export async function invalidIndexesOn(db: Queryable, qualifiedTable: string): Promise<LeftoverIndex[]> {
  const { rows: progress } = await db.query<{ ok: boolean }>("SELECT to_regclass('pg_catalog.pg_stat_progress_create_index') IS NOT NULL AS ok");
  const building = progress[0]?.ok ? 'AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)' : '';
  return indexesOn(db, qualifiedTable, `NOT (i.indisvalid AND i.indisready) AND c.relkind = 'i' ${building}`);
}

/** Valid indexes on a table, with their definitions. */
export async function validIndexesOn(db: Queryable, qualifiedTable: string): Promise<LeftoverIndex[]> {
  return indexesOn(db, qualifiedTable, 'i.indisvalid AND i.indisready');
}

async function indexesOn(db: Queryable, qualifiedTable: string, condition: string): Promise<LeftoverIndex[]> {
  const { rows } = await db.query<LeftoverIndex>(
    `SELECT n.nspname AS schema, c.relname AS name, ${DEFINITION} AS definition
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am am ON am.oid = c.relam
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = to_regclass($1) AND ${condition}
      ORDER BY c.relname`,
    [qualifiedTable],
  );
  return rows;
}

/**
 * The definition a CREATE INDEX statement would give its index, without building it on the real
 * table: the same statement runs, without CONCURRENTLY, on an empty temporary copy of the table's
 * columns (CREATE TEMP TABLE ... (LIKE ...), which takes only an ACCESS SHARE lock on the table),
 * PostgreSQL's canonical form is read back, and the transaction is rolled back. Must not be
 * called inside a transaction.
 */
export async function statementIndexDefinition(client: Queryable, statement: IndexStatement, lockTimeoutMs: number): Promise<string | undefined> {
  const probe = 'pg_temp.sdk_index_probe';
  await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}; SET LOCAL statement_timeout = ${Math.max(5_000, Math.round(lockTimeoutMs) * 2)}`);
  try {
    await client.query(`CREATE TEMP TABLE ${probe} (LIKE ${statement.qualifiedTable}) ON COMMIT DROP`);
    await client.query(statement.onTable(probe));
    const { rows } = await client.query<{ definition: string }>(
      `SELECT ${DEFINITION} AS definition
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE i.indrelid = '${probe}'::regclass`,
    );
    return rows[0]?.definition;
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * The name PostgreSQL would give this unnamed index now (ChooseRelationName: `t_v_idx`, else
 * `t_v_idx1`, ... the first no relation of the table's schema has), or undefined when the table
 * does not exist (the statement then fails on its own, with PostgreSQL's error).
 */
export async function chooseIndexName(db: Queryable, statement: IndexStatement): Promise<string | undefined> {
  const { rows } = await db.query<{ relname: string; ns: string }>('SELECT relname, relnamespace::text AS ns FROM pg_class WHERE oid = to_regclass($1)', [
    statement.qualifiedTable,
  ]);
  const table = rows[0];
  if (!table) return undefined;
  const batch = 20;
  for (let from = 0; ; from += batch) {
    const candidates = indexNameCandidates(table.relname, statement.body, batch, from);
    const { rows: taken } = await db.query<{ relname: string }>('SELECT relname FROM pg_class WHERE relnamespace = $1::oid AND relname = ANY ($2)', [table.ns, candidates]);
    const used = new Set(taken.map((t) => t.relname));
    const free = candidates.find((c) => !used.has(c));
    if (free) return free;
  }
}

/** DROP INDEX CONCURRENTLY: no statement_timeout (it waits for running transactions), the given lock_timeout. */
export async function dropIndexConcurrently(client: Queryable, schema: string, name: string, lockTimeoutMs: number): Promise<void> {
  await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.round(lockTimeoutMs)}`);
  await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(schema)}.${quoteIdent(name)}`);
}
