import type pg from 'pg';
import { METADATA_SCHEMA } from '../db/metadata.js';
import { ensureMetadataCurrent } from '../db/metadata-migrations.js';
import type { BackfillRecord } from './types.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

const S = METADATA_SCHEMA;
/** First key of the per-backfill advisory locks ('sdb'); the second is hashtext(name). */
export const BACKFILL_LOCK_CLASS = 0x736462;

/** Makes sure the metadata schema has the backfills table (one query when it is current). */
export async function ensureBackfillMetadata(db: Queryable): Promise<void> {
  await ensureMetadataCurrent(db);
}

/** Takes the session lock of backfill `name`; false when another session runs it. */
export async function tryLockBackfill(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [BACKFILL_LOCK_CLASS, name]);
  return rows[0]?.ok === true;
}

export async function unlockBackfill(db: Queryable, name: string): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1, hashtext($2))', [BACKFILL_LOCK_CLASS, name]);
}

/** The session running backfill `name`, if one is. */
export async function backfillHolder(db: Queryable, name: string): Promise<{ pid: number; application: string | null } | undefined> {
  const { rows } = await db.query<{ pid: number; application: string | null }>(
    `SELECT l.pid, a.application_name AS application FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = hashtext($2)::oid AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
    [BACKFILL_LOCK_CLASS, name],
  );
  return rows[0];
}

interface Row {
  name: string;
  table_name: string;
  set_sql: string;
  where_sql: string | null;
  /** Absent on a database whose metadata predates version 7 (listBackfills does not upgrade it). */
  into_table?: string | null;
  spec_hash: string;
  key_columns: string[];
  last_key: string[] | null;
  status: BackfillRecord['status'];
  rows_changed: string;
  rows_scanned: string;
  batches: string;
  duration_ms: string;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  error: string | null;
  os_user: string | null;
  host: string | null;
  active: boolean;
  table_rows: string | null;
}

export interface Checkpoint {
  record: BackfillRecord;
  specHash: string;
  lastKey: string[] | null;
}

const SELECT = `SELECT b.*, EXISTS (
    SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${BACKFILL_LOCK_CLASS} AND l.objid = hashtext(b.name)::oid AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  ) AS active, (SELECT greatest(c.reltuples, 0)::bigint::text FROM pg_catalog.pg_class c WHERE c.oid = to_regclass(b.table_name)) AS table_rows
  FROM ${S}.backfills b`;

function toCheckpoint(row: Row): Checkpoint {
  return {
    specHash: row.spec_hash,
    lastKey: row.last_key,
    record: {
      name: row.name,
      table: row.table_name,
      set: row.set_sql,
      where: row.where_sql,
      into: row.into_table ?? null,
      key: row.key_columns,
      status: row.status,
      active: row.active,
      rows: Number(row.rows_changed),
      scanned: Number(row.rows_scanned),
      batches: Number(row.batches),
      durationMs: Number(row.duration_ms),
      startedAt: row.started_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
      error: row.error,
      user: row.os_user,
      host: row.host,
      tableRows: row.table_rows === null ? null : Number(row.table_rows),
    },
  };
}

export async function readCheckpoint(db: Queryable, name: string): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE b.name = $1`, [name]);
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/** Every recorded backfill, the most recently updated first (`sdk db backfills`). */
export async function listBackfillRecords(db: Queryable): Promise<BackfillRecord[]> {
  const { rows: exists } = await db.query<{ ok: boolean }>(`SELECT to_regclass('${S}.backfills') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return [];
  const { rows } = await db.query<Row>(`${SELECT} ORDER BY b.updated_at DESC`);
  return rows.map((r) => toCheckpoint(r).record);
}
