import type { Queryable } from '../db/metadata.js';
import { quoteIdent } from '../db/sessions.js';
import type { TableCount } from './manifest.js';
import type { TableSize } from './process.js';

/**
 * The tables whose rows a dump holds: ordinary tables and partitions in the user's schemas.
 * Not partitioned parents (their rows are in the partitions), foreign tables, views, or tables
 * an extension owns (pg_dump leaves those to CREATE EXTENSION).
 */
export async function dumpedTables(db: Queryable): Promise<TableSize[]> {
  const { rows } = await db.query<{ schema: string; name: string; bytes: string; estimate: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_relation_size(c.oid) AS bytes,
            -- reltuples is -1 until the first ANALYZE; the statistics' live-row count is kept current.
            coalesce(s.n_live_tup, greatest(c.reltuples, 0))::bigint AS estimate
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
      WHERE c.relkind = 'r'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ schema: r.schema, name: r.name, bytes: Number(r.bytes), rows: Number(r.estimate) }));
}

/** Exact row counts, one count(*) per table, in whatever snapshot `db` is in. */
export async function exactCounts(db: Queryable, tables: { schema: string; name: string }[]): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const t of tables) {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
    counts.push({ schema: t.schema, name: t.name, rows: Number(rows[0]?.n ?? 0) });
  }
  return counts;
}

/** What the server says about itself: version, database, and the system identifier when readable. */
export async function serverIdentity(db: Queryable): Promise<{ version: string; versionNum: number; database: string; systemIdentifier: string | null }> {
  const { rows } = await db.query<{ version: string; num: string; database: string }>(
    "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num, current_database() AS database",
  );
  let systemIdentifier: string | null = null;
  try {
    // Superusers and pg_monitor members may read it; others get no identifier, not an error.
    // Outside any transaction: a refused call would abort it.
    const { rows: id } = await db.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    systemIdentifier = id[0]?.id ?? null;
  } catch {
    systemIdentifier = null;
  }
  const row = rows[0]!;
  return { version: row.version.split(' ')[0]!, versionNum: Number(row.num), database: row.database, systemIdentifier };
}
