import type pg from 'pg';

/** The runner's own schema: applied migrations, per-statement progress, audit history. */
export const METADATA_SCHEMA = 'sdk_migrator';
/** drizzle-orm's tracking table, kept in step so `drizzle-kit migrate` agrees with us. */
export const DRIZZLE_SCHEMA = 'drizzle';
export const DRIZZLE_TABLE = '__drizzle_migrations';

export type Queryable = Pick<pg.Client, 'query'>;

export interface AppliedRow {
  tag: string;
  hash: string;
  /** treeHash() of the statements when they were applied; null for rows written before it was recorded. */
  treeHash: string | null;
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
    // to_jsonb: the tree_hash column is missing on a database only read by an older version's tables.
    const { rows } = await db.query<{ tag: string; hash: string; created_at: string; applied_at: Date; tree_hash: string | null }>(
      `SELECT tag, hash, created_at, applied_at, to_jsonb(m) ->> 'tree_hash' AS tree_hash FROM ${METADATA_SCHEMA}.migrations m ORDER BY created_at, tag`,
    );
    for (const r of rows) ours.push({ tag: r.tag, hash: r.hash, treeHash: r.tree_hash, createdAt: Number(r.created_at), appliedAt: r.applied_at.toISOString() });
  }
  if (await tableExists(db, `${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE}`)) {
    const { rows } = await db.query<{ hash: string; created_at: string | null }>(
      `SELECT hash, created_at FROM ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} ORDER BY created_at NULLS FIRST, id`,
    );
    for (const r of rows) drizzle.push({ hash: r.hash, createdAt: Number(r.created_at ?? 0) });
  }
  return { ours, drizzle };
}

/** One statement of a partly applied migration, as the run that did it recorded it. */
export interface StatementProgress {
  state: 'started' | 'done';
  /** sha256 of the statement's text; null in rows written before it was recorded. */
  statementHash: string | null;
  /** The name the runner gave an unnamed concurrent index before building it. */
  indexName: string | null;
}

/** Statements of a partly applied migration already done (from a run that was interrupted). */
export interface Progress {
  /** sha256 of the file the recorded statements came from. */
  hash: string;
  done: Set<number>;
  started: Set<number>;
  statements: Map<number, StatementProgress>;
  /** Set when the file changed since: the recorded rows are rewritten to the new statement numbers before the run resumes. */
  remapped?: boolean;
  /** Names the runner gave indexes of started statements that were edited since: dropped if INVALID. */
  staleIndexNames?: string[];
}

export async function readProgress(db: Queryable): Promise<Map<string, Progress>> {
  const progress = new Map<string, Progress>();
  if (!(await tableExists(db, `${METADATA_SCHEMA}.progress`))) return progress;
  // The columns added later may not exist yet on a database only read (status, dry run).
  const { rows: cols } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'progress' AND column_name IN ('statement_hash', 'index_name')`,
    [METADATA_SCHEMA],
  );
  const extra = cols[0]?.n === 2 ? 'statement_hash, index_name' : 'NULL AS statement_hash, NULL AS index_name';
  const { rows } = await db.query<{ tag: string; hash: string; statement_index: number; state: string; statement_hash: string | null; index_name: string | null }>(
    `SELECT tag, hash, statement_index, state, ${extra} FROM ${METADATA_SCHEMA}.progress ORDER BY tag, statement_index`,
  );
  for (const r of rows) {
    const entry = progress.get(r.tag) ?? { hash: r.hash, done: new Set<number>(), started: new Set<number>(), statements: new Map() };
    const state = r.state === 'done' ? 'done' : 'started';
    (state === 'done' ? entry.done : entry.started).add(r.statement_index);
    entry.statements.set(r.statement_index, { state, statementHash: r.statement_hash, indexName: r.index_name });
    progress.set(r.tag, entry);
  }
  return progress;
}

export async function historyExists(db: Queryable): Promise<boolean> {
  return tableExists(db, `${METADATA_SCHEMA}.history`);
}
