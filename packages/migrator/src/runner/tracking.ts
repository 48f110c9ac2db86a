import type pg from 'pg';

/** The runner's own schema: applied migrations, per-statement progress, audit history. */
export const METADATA_SCHEMA = 'sdk_migrator';
/** drizzle-orm's tracking table, kept in step so `drizzle-kit migrate` agrees with us. */
export const DRIZZLE_SCHEMA = 'drizzle';
export const DRIZZLE_TABLE = '__drizzle_migrations';

export type Queryable = Pick<pg.Client, 'query'>;

/**
 * Creates the metadata tables. Called only while holding the runner's advisory lock, so two
 * runners never race on CREATE ... IF NOT EXISTS (which is not safe under concurrency).
 */
export async function ensureMetadata(db: Queryable): Promise<void> {
  await db.query(`
    CREATE SCHEMA IF NOT EXISTS ${METADATA_SCHEMA};
    CREATE TABLE IF NOT EXISTS ${METADATA_SCHEMA}.migrations (
      tag         text PRIMARY KEY,
      idx         integer NOT NULL,
      hash        text NOT NULL,
      created_at  bigint NOT NULL,
      phase       text NOT NULL,
      statements  integer NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      duration_ms integer,
      run_id      bigint,
      adopted     boolean NOT NULL DEFAULT false
    );
    CREATE TABLE IF NOT EXISTS ${METADATA_SCHEMA}.progress (
      tag             text NOT NULL,
      hash            text NOT NULL,
      statement_index integer NOT NULL,
      -- 'started' is written before a statement that runs outside a transaction, 'done' after it:
      -- a run killed in between finds 'started' and checks what the statement left behind.
      state           text NOT NULL DEFAULT 'done',
      updated_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tag, statement_index)
    );
    CREATE TABLE IF NOT EXISTS ${METADATA_SCHEMA}.history (
      id                 bigserial PRIMARY KEY,
      started_at         timestamptz NOT NULL DEFAULT now(),
      finished_at        timestamptz,
      duration_ms        integer,
      outcome            text NOT NULL DEFAULT 'running',
      db_user            text NOT NULL DEFAULT current_user,
      os_user            text,
      host               text,
      git_sha            text,
      backend_pid        integer NOT NULL DEFAULT pg_backend_pid(),
      phase              text,
      target_tag         text,
      current_tag        text,
      migrations         text[] NOT NULL DEFAULT '{}',
      statements_applied integer NOT NULL DEFAULT 0,
      error              text
    );
    CREATE SCHEMA IF NOT EXISTS ${DRIZZLE_SCHEMA};
    CREATE TABLE IF NOT EXISTS ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} (
      id SERIAL PRIMARY KEY,
      hash text NOT NULL,
      created_at bigint
    );
  `);
}

export interface AppliedRow {
  tag: string;
  hash: string;
  createdAt: number;
  appliedAt: string;
}

export interface DrizzleRow {
  hash: string;
  createdAt: number;
}

async function tableExists(db: Queryable, qualified: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified]);
  return rows[0]?.ok === true;
}

/** What the database says was applied: our rows and drizzle's, read-only (missing tables = none). */
export async function readApplied(db: Queryable): Promise<{ ours: AppliedRow[]; drizzle: DrizzleRow[] }> {
  const ours: AppliedRow[] = [];
  const drizzle: DrizzleRow[] = [];
  if (await tableExists(db, `${METADATA_SCHEMA}.migrations`)) {
    const { rows } = await db.query<{ tag: string; hash: string; created_at: string; applied_at: Date }>(
      `SELECT tag, hash, created_at, applied_at FROM ${METADATA_SCHEMA}.migrations ORDER BY created_at, tag`,
    );
    for (const r of rows) ours.push({ tag: r.tag, hash: r.hash, createdAt: Number(r.created_at), appliedAt: r.applied_at.toISOString() });
  }
  if (await tableExists(db, `${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE}`)) {
    const { rows } = await db.query<{ hash: string; created_at: string | null }>(
      `SELECT hash, created_at FROM ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} ORDER BY created_at NULLS FIRST, id`,
    );
    for (const r of rows) drizzle.push({ hash: r.hash, createdAt: Number(r.created_at ?? 0) });
  }
  return { ours, drizzle };
}

/** Statements of a partly applied migration already done (from a run that was interrupted). */
export interface Progress {
  hash: string;
  done: Set<number>;
  started: Set<number>;
}

export async function readProgress(db: Queryable): Promise<Map<string, Progress>> {
  const progress = new Map<string, Progress>();
  if (!(await tableExists(db, `${METADATA_SCHEMA}.progress`))) return progress;
  const { rows } = await db.query<{ tag: string; hash: string; statement_index: number; state: string }>(
    `SELECT tag, hash, statement_index, state FROM ${METADATA_SCHEMA}.progress ORDER BY tag, statement_index`,
  );
  for (const r of rows) {
    const entry = progress.get(r.tag) ?? { hash: r.hash, done: new Set<number>(), started: new Set<number>() };
    (r.state === 'done' ? entry.done : entry.started).add(r.statement_index);
    progress.set(r.tag, entry);
  }
  return progress;
}

export async function historyExists(db: Queryable): Promise<boolean> {
  return tableExists(db, `${METADATA_SCHEMA}.history`);
}
