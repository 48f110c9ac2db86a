import type pg from 'pg';
import { quoteIdent } from '../sql/quote.js';

type Queryable = Pick<pg.Client, 'query'>;

/**
 * Where a row count would otherwise be an estimate (a table never analyzed, a restore's preview),
 * a table whose heap is at most this big is counted exactly: count(*) reads 16 MB (2,048 pages)
 * in a fraction of a second.
 */
export const DEFAULT_EXACT_COUNT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * count(*) of one table (a partitioned table: of all its partitions), or undefined when it
 * cannot be counted now: the caller's lock_timeout ran out (count takes ACCESS SHARE, which
 * queues behind another session's ACCESS EXCLUSIVE lock, held or awaited), or a materialized
 * view was never populated. Any other error is thrown.
 */
export async function countRows(db: Queryable, schema: string, name: string): Promise<number | undefined> {
  try {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(name)}`);
    return Number(rows[0]?.n ?? 0);
  } catch (error) {
    // 55P03 lock_not_available; 55000 object_not_in_prerequisite_state (an unpopulated materialized view).
    const code = (error as { code?: string }).code;
    if (code === '55P03' || code === '55000') return undefined;
    throw error;
  }
}
