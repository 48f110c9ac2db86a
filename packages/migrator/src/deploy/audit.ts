import { connect } from '../db/connect.js';
import { historyExists, METADATA_SCHEMA, type Queryable } from '../db/metadata.js';
import { ensureMetadataCurrent } from '../db/metadata-migrations.js';
import { currentActor } from '../util/actor.js';

/**
 * The audit record of a deploy: one row of `sdk_migrator.history` with phase `deploy`, written
 * when the deploy starts (after its preflight passed: a refused deploy changes nothing and
 * records nothing) and finished with its outcome. `archive` holds the pre-deploy backup once it
 * is verified (only a verified backup is a way back), `migrations` what the deploy applied,
 * `error` the failed step and its message. The history is kept out of a restore's rewind, so the
 * record of a deploy survives the rollback that restores its backup.
 */
export interface DeployRecord {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  /** `running` (or `interrupted` once a later run found it unfinished), `succeeded`, `failed`. */
  outcome: string;
  /** The verified pre-deploy backup; null when none was verified. */
  backup: string | null;
  /** Migrations the deploy applied. */
  applied: string[];
  /** `<step>: <message>` of the failure that ended it. */
  error: string | null;
  osUser: string | null;
  host: string | null;
  gitSha: string | null;
}

const HISTORY = `${METADATA_SCHEMA}.history`;

async function withClient<T>(databaseUrl: string, work: (db: Queryable) => Promise<T>): Promise<T> {
  const client = await connect(databaseUrl, { applicationName: 'sdk db deploy' });
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Writes the deploy's row (outcome `running`); returns its id. */
export async function startDeployRecord(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (db) => {
    await ensureMetadataCurrent(db);
    const actor = currentActor();
    const { rows } = await db.query<{ id: string }>(`INSERT INTO ${HISTORY} (os_user, host, git_sha, phase) VALUES ($1, $2, $3, 'deploy') RETURNING id`, [actor.user, actor.host, actor.gitSha]);
    return Number(rows[0]!.id);
  });
}

/** Records the verified pre-deploy backup on the deploy's row. */
export async function recordDeployBackup(databaseUrl: string, id: number, path: string): Promise<void> {
  await withClient(databaseUrl, (db) => db.query(`UPDATE ${HISTORY} SET archive = $2 WHERE id = $1 AND phase = 'deploy'`, [id, path]));
}

/** Finishes the deploy's row with its outcome, what it applied and what failed. */
export async function finishDeployRecord(databaseUrl: string, id: number, outcome: { ok: boolean; applied: string[]; error: string | null }): Promise<void> {
  await withClient(databaseUrl, (db) =>
    db.query(
      `UPDATE ${HISTORY} SET outcome = $2, migrations = $3, error = $4, finished_at = now(),
         duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int WHERE id = $1 AND phase = 'deploy'`,
      [id, outcome.ok ? 'succeeded' : 'failed', outcome.applied, outcome.error],
    ),
  );
}

/**
 * The last deploy recorded in the database's audit history, or null when none is.
 * @example
 * const last = await lastDeploy(client);
 * if (last?.backup) console.log(`sdk db restore ${last.backup}`);
 */
export async function lastDeploy(db: Queryable): Promise<DeployRecord | null> {
  if (!(await historyExists(db))) return null;
  const { rows: cols } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = '${HISTORY}'::regclass AND attname = 'archive' AND NOT attisdropped) AS ok`,
  );
  const archive = cols[0]?.ok ? 'archive' : 'NULL::text AS archive';
  const { rows } = await db.query<{
    id: string;
    started_at: Date;
    finished_at: Date | null;
    outcome: string;
    archive: string | null;
    migrations: string[];
    error: string | null;
    os_user: string | null;
    host: string | null;
    git_sha: string | null;
  }>(`SELECT id, started_at, finished_at, outcome, ${archive}, migrations, error, os_user, host, git_sha FROM ${HISTORY} WHERE phase = 'deploy' ORDER BY id DESC LIMIT 1`);
  const r = rows[0];
  if (!r) return null;
  return {
    id: Number(r.id),
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    outcome: r.outcome,
    backup: r.archive,
    applied: r.migrations,
    error: r.error,
    osUser: r.os_user,
    host: r.host,
    gitSha: r.git_sha,
  };
}
