import type { Queryable } from './metadata.js';

/**
 * The key a table is walked by in keyset batches (the backfill engine, rewrite-table's copy and
 * capture trigger): the primary key, else the narrowest unique index over NOT NULL columns with no
 * predicate and no expression. Its columns in index order, with their types (format_type);
 * undefined when the table has none.
 */
export async function walkKey(db: Queryable, tableOid: number): Promise<{ cols: string[]; types: string[] } | undefined> {
  const { rows } = await db.query<{ cols: string[]; types: string[] }>(
    `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols, array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.ord) AS types
       FROM pg_catalog.pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
      GROUP BY i.indexrelid, i.indisprimary
     HAVING bool_and(a.attnotnull)
      ORDER BY i.indisprimary DESC, count(*), i.indexrelid
      LIMIT 1`,
    [tableOid],
  );
  return rows[0];
}
