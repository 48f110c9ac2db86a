import type pg from 'pg';

/** How long `isMaintenanceMode` reuses an answer: the application asks on every request, the database once a second. */
export const MAINTENANCE_CACHE_MS = 1_000;

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.Client, 'query'>;

/** What `isMaintenanceMode` reads: a Drizzle client (its `$client`), or a pg Pool or Client. */
export type MaintenanceSource = { $client: Queryable } | Queryable;

/**
 * One statement that never fails on a database sdk has not written to yet (so the server log is
 * not filled with "relation does not exist" once a second): the table is only read when
 * to_regclass finds it, through query_to_xml, whose query is parsed only when CASE reaches it.
 * The table is `sdk_migrator.maintenance`, written by `sdk db maintenance on|off`
 * (@big0290/migrator's setMaintenance; its tests check that both sides agree).
 */
const QUERY = `SELECT CASE WHEN to_regclass('sdk_migrator.maintenance') IS NULL THEN false
  ELSE query_to_xml('SELECT enabled FROM sdk_migrator.maintenance', false, true, '')::text LIKE '%<enabled>true</enabled>%' END AS on`;

const cache = new WeakMap<object, { at: number; answer: Promise<boolean> }>();

/**
 * Whether `sdk db maintenance on` is in force on the application's database: one cheap query,
 * its answer reused for MAINTENANCE_CACHE_MS (`maxAgeMs`) per pool, so it can sit in a request
 * handler. False while the flag's table does not exist yet. A failed query is thrown, not
 * cached. The application's role needs `USAGE` on schema sdk_migrator and `SELECT` on
 * sdk_migrator.maintenance when it is not the role that migrates.
 *
 * @example
 * import { db, isMaintenanceMode } from '@big0290/db-config';
 * if (await isMaintenanceMode(db)) return new Response('Down for maintenance', { status: 503, headers: { 'Retry-After': '60' } });
 */
export async function isMaintenanceMode(db: MaintenanceSource, options: { maxAgeMs?: number } = {}): Promise<boolean> {
  const client: Queryable = '$client' in db ? db.$client : db;
  const maxAgeMs = options.maxAgeMs ?? MAINTENANCE_CACHE_MS;
  const cached = cache.get(client);
  if (cached && Date.now() - cached.at < maxAgeMs) return cached.answer;
  const answer = (client.query(QUERY) as Promise<pg.QueryResult<{ on: boolean }>>).then((result) => result.rows[0]?.on === true);
  const entry = { at: Date.now(), answer };
  cache.set(client, entry);
  answer.catch(() => {
    if (cache.get(client) === entry) cache.delete(client);
  });
  return answer;
}
