import type pg from 'pg';
import type { MeasuredRates, Rate } from './types.js';

/** Rows of the probe table the rates are measured on: big enough to time, small enough for well under a second. */
export const DEFAULT_PROBE_ROWS = 50_000;
/** The measurement gives up after this long (a loaded server answers slowly; the plan then has no estimates). */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Measures, on the target server, how fast it scans, builds an index on and rewrites a table:
 * a temporary table of `rows` rows is filled, scanned (EXPLAIN ANALYZE's own execution time, so
 * the network is left out), indexed and rewritten (ALTER COLUMN TYPE int4 -> int8), inside a
 * transaction that is rolled back. A temporary table lives in the session's own buffers and
 * writes no WAL, and its pages are hot: real tables on a busy server are slower, so estimates
 * built on these rates are lower bounds.
 */
export async function measureRates(client: Pick<pg.Client, 'query'>, rows = DEFAULT_PROBE_ROWS): Promise<MeasuredRates> {
  const started = performance.now();
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL statement_timeout = ${PROBE_TIMEOUT_MS}`);
    await client.query('CREATE TEMPORARY TABLE sdk_plan_probe (id int4 PRIMARY KEY, n int4 NOT NULL, s text NOT NULL) ON COMMIT DROP');
    await client.query(`INSERT INTO sdk_plan_probe SELECT g, g, md5(g::text) FROM generate_series(1, ${Math.max(1, Math.floor(rows))}) g`);
    const roundTrip = await timed(client, 'SELECT 1');
    const size = async () => {
      const { rows: r } = await client.query<{ heap: string; total: string }>(
        "SELECT pg_relation_size('pg_temp.sdk_plan_probe') AS heap, pg_total_relation_size('pg_temp.sdk_plan_probe') AS total",
      );
      return { heap: Number(r[0]!.heap), total: Number(r[0]!.total) };
    };
    const before = await size();
    // A predicate no index answers, so the plan is a sequential scan of every row.
    const { rows: explained } = await client.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(
      'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT count(*) FROM sdk_plan_probe WHERE n < 0',
    );
    const scanMs = explained[0]!['QUERY PLAN'][0]['Execution Time'];
    const indexMs = (await timed(client, 'CREATE INDEX ON sdk_plan_probe (s)')) - roundTrip;
    const withIndexes = await size();
    const rewriteMs = (await timed(client, 'ALTER TABLE sdk_plan_probe ALTER COLUMN n TYPE int8')) - roundTrip;
    return {
      method: `a temporary table of ${rows} rows on the target server, in a transaction rolled back`,
      probeRows: rows,
      probeBytes: before.heap,
      scan: rate(before.heap, rows, scanMs),
      indexBuild: rate(before.heap, rows, indexMs),
      rewrite: rate(withIndexes.total, rows, rewriteMs),
      measuredMs: Math.round(performance.now() - started),
    };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
}

async function timed(client: Pick<pg.Client, 'query'>, sql: string): Promise<number> {
  const start = performance.now();
  await client.query(sql);
  return performance.now() - start;
}

function rate(bytes: number, rows: number, ms: number): Rate {
  // A clock that says 0 ms would make every estimate 0: count at least a tenth of a millisecond.
  const seconds = Math.max(ms, 0.1) / 1000;
  return { bytesPerSecond: Math.round(bytes / seconds), rowsPerSecond: Math.round(rows / seconds), ms: Math.round(Math.max(ms, 0) * 10) / 10 };
}
