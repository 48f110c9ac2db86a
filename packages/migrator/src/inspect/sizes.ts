import type pg from 'pg';
import { countRows, DEFAULT_EXACT_COUNT_MAX_BYTES } from '../db/row-counts.js';
import { keyArrays, MATCH_KEYS, relkindName } from './live.js';
import type { RelationSize } from './types.js';

type Queryable = Pick<pg.Client, 'query'>;

/** How long a size lookup waits for its ACCESS SHARE lock: a table locked by someone else is sized from pg_class instead. */
const SIZE_LOCK_TIMEOUT_MS = 500;

/**
 * A relation (or a partition of it) whose pg_class.reltuples says nothing: -1 until the first
 * VACUUM or ANALYZE (PostgreSQL 14+), 0 with no pages before PostgreSQL 14.
 */
const NEVER_ANALYZED = (r: string) => `(${r}.reltuples < 0 OR (${r}.reltuples = 0 AND ${r}.relpages = 0))`;

/**
 * How many rows of the relation a heap page holds, as PostgreSQL's planner estimates it for a
 * table without statistics (plancat.c estimate_rel_size): the page minus its header, divided by
 * the tuple header, the line pointer and each column's width (get_typavgwidth: the type's length
 * when fixed, a varchar(n) by n, else 32 bytes).
 */
const ROWS_PER_PAGE = `(
  SELECT (current_setting('block_size')::int - 24) / (24 + 4 + coalesce(sum(
           CASE WHEN t.typlen > 0 THEN t.typlen
                WHEN a.atttypmod > 4 AND t.oid IN ('pg_catalog.varchar'::regtype, 'pg_catalog.bpchar'::regtype) THEN
                  (SELECT CASE WHEN t.oid = 'pg_catalog.bpchar'::regtype OR w.max <= 32 THEN w.max WHEN w.max < 1000 THEN 32 + (w.max - 32) / 2 ELSE 516 END
                     FROM (SELECT (a.atttypmod - 4) * pg_encoding_max_length(d.encoding) + 4 AS max FROM pg_database d WHERE d.datname = current_database()) w)
                ELSE 32 END), 0))
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)`;

interface SizeRow {
  schema: string;
  name: string;
  key: string;
  oid: string;
  relkind: string;
  rows: string | null;
  never_analyzed: boolean;
  pages_bytes: string;
  never_analyzed_pages_bytes: string;
  block_size: number;
  rows_per_page: number;
}

/**
 * The live size of each relation: rows, heap bytes and total bytes (indexes and TOAST included).
 * A partitioned table has no storage of its own: its partitions are summed.
 *
 * Rows come from pg_class.reltuples (the planner's statistics). A relation never analyzed has
 * none: it is counted exactly when its heap is at most `exactCountMaxBytes`, else estimated as
 * PostgreSQL's planner does, from its pages and the rows a page holds at its columns' width.
 *
 * pg_relation_size and count(*) take an ACCESS SHARE lock, which queues behind an ACCESS
 * EXCLUSIVE lock held or awaited by another session: after SIZE_LOCK_TIMEOUT_MS such a table is
 * sized from pg_class.relpages instead (as of its last VACUUM or ANALYZE), and its lock holders
 * show in the plan.
 */
export async function relationSizes(
  db: Queryable,
  keys: readonly string[],
  serverMajor: number,
  options: { exactCountMaxBytes?: number | undefined } = {},
): Promise<Map<string, RelationSize & { oid: number }>> {
  const out = new Map<string, RelationSize & { oid: number }>();
  if (keys.length === 0) return out;
  const exactCountMaxBytes = options.exactCountMaxBytes ?? DEFAULT_EXACT_COUNT_MAX_BYTES;
  const [schemas, names] = keyArrays(keys);
  // pg_partition_tree() arrived in PostgreSQL 12; before it, a partitioned table counts as empty.
  const tree = serverMajor >= 12;
  const leaves = (expression: string, fallback: string) =>
    tree ? `CASE WHEN c.relkind = 'p' THEN (SELECT ${expression} FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf) ELSE ${fallback} END` : fallback;
  const { rows } = await db.query<SizeRow>(
    `SELECT n.nspname AS schema, c.relname AS name, n.nspname || '.' || c.relname AS key, c.oid::int8 AS oid, c.relkind::text AS relkind,
            ${leaves(`sum(p.reltuples) FILTER (WHERE NOT ${NEVER_ANALYZED('p')})`, `CASE WHEN NOT ${NEVER_ANALYZED('c')} THEN c.reltuples END`)} AS rows,
            ${leaves(`coalesce(bool_or(${NEVER_ANALYZED('p')}), false)`, NEVER_ANALYZED('c'))} AS never_analyzed,
            ${leaves('coalesce(sum(p.relpages), 0)', 'c.relpages')}::int8 * current_setting('block_size')::int8 AS pages_bytes,
            ${leaves(`coalesce(sum(p.relpages) FILTER (WHERE ${NEVER_ANALYZED('p')}), 0)`, `CASE WHEN ${NEVER_ANALYZED('c')} THEN c.relpages ELSE 0 END`)}::int8
              * current_setting('block_size')::int8 AS never_analyzed_pages_bytes,
            current_setting('block_size')::int AS block_size,
            ${ROWS_PER_PAGE} AS rows_per_page
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${MATCH_KEYS}`,
    [schemas, names],
  );
  await db.query(`SET lock_timeout = ${SIZE_LOCK_TIMEOUT_MS}`);
  try {
    for (const row of rows) {
      const size: RelationSize & { oid: number } = {
        relation: row.key,
        oid: Number(row.oid),
        exists: true,
        kind: relkindName(row.relkind),
        rows: row.rows === null ? null : Math.round(Number(row.rows)),
        ...(row.rows === null ? {} : { rowsFrom: 'statistics' as const }),
        tableBytes: Number(row.pages_bytes),
        totalBytes: Number(row.pages_bytes),
      };
      let neverAnalyzedBytes = Number(row.never_analyzed_pages_bytes);
      try {
        const { rows: exact } = await db.query<{ table_bytes: string; total_bytes: string; never_analyzed_bytes: string }>(
          `SELECT ${leaves('coalesce(sum(pg_relation_size(p.oid)), 0)', 'pg_relation_size(c.oid)')} AS table_bytes,
                  ${leaves('coalesce(sum(pg_total_relation_size(p.oid)), 0)', 'pg_total_relation_size(c.oid)')} AS total_bytes,
                  ${leaves(`coalesce(sum(pg_relation_size(p.oid)) FILTER (WHERE ${NEVER_ANALYZED('p')}), 0)`, `CASE WHEN ${NEVER_ANALYZED('c')} THEN pg_relation_size(c.oid) ELSE 0 END`)} AS never_analyzed_bytes
             FROM pg_class c WHERE c.oid = $1::oid`,
          [row.oid],
        );
        size.tableBytes = Number(exact[0]?.table_bytes ?? size.tableBytes);
        size.totalBytes = Number(exact[0]?.total_bytes ?? size.totalBytes);
        neverAnalyzedBytes = Number(exact[0]?.never_analyzed_bytes ?? neverAnalyzedBytes);
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03') throw error;
        size.sizeNote = 'locked by another session: heap size from pg_class.relpages (last VACUUM/ANALYZE), indexes not counted';
      }
      if (row.never_analyzed) await rowsWithoutStatistics(db, row, size, neverAnalyzedBytes, exactCountMaxBytes);
      out.set(row.key, size);
    }
  } finally {
    await db.query('RESET lock_timeout');
  }
  return out;
}

/**
 * Rows of a relation (some of) whose partitions were never analyzed: counted when small and not
 * locked, else the analyzed part plus the planner's estimate for the rest. Unknown (null) when
 * it is locked and pg_class knows no pages for it either.
 */
async function rowsWithoutStatistics(db: Queryable, row: SizeRow, size: RelationSize, neverAnalyzedBytes: number, exactCountMaxBytes: number): Promise<void> {
  const counted = !size.sizeNote && (size.tableBytes ?? Infinity) <= exactCountMaxBytes ? await countRows(db, row.schema, row.name) : undefined;
  if (counted !== undefined) {
    size.rows = counted;
    size.rowsFrom = 'count';
    return;
  }
  if (size.sizeNote && neverAnalyzedBytes === 0) {
    size.rows = null;
    delete size.rowsFrom;
    return;
  }
  const estimated = (neverAnalyzedBytes / row.block_size) * row.rows_per_page;
  size.rows = Math.round((row.rows === null ? 0 : Number(row.rows)) + estimated);
  size.rowsFrom = 'pages';
}
