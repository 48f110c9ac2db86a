import { createHash } from 'node:crypto';
import { MigratorError } from '../errors.js';
import { acquireRunnerLock, releaseRunnerLock } from './advisory-lock.js';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS } from './defaults.js';
import { DRIZZLE_SCHEMA, DRIZZLE_TABLE, METADATA_SCHEMA, type Queryable } from './metadata.js';

/**
 * The runner's own tables change as the tool grows (a column for the backfill checkpoints, one
 * for the operations...). `CREATE TABLE IF NOT EXISTS` never adds a column to a table that
 * exists, so the metadata schema has migrations of its own: ordered, checksummed, applied under
 * the runner's advisory lock before anything else reads or writes the tables, and recorded in
 * `sdk_migrator.schema_version`. Released steps are never edited: a change is a new step.
 *
 * Step 1 is what every release before versioning created (with IF NOT EXISTS, so a database
 * created by one is adopted as it is); the later steps use ADD COLUMN IF NOT EXISTS for the same
 * reason.
 */
interface SelfMigration {
  version: number;
  name: string;
  sql: string;
}

const S = METADATA_SCHEMA;

const STEPS: readonly SelfMigration[] = [
  {
    version: 1,
    name: 'applied migrations, per-statement progress, audit history, drizzle-kit tracking table',
    sql: `
      CREATE TABLE IF NOT EXISTS ${S}.migrations (
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
      CREATE TABLE IF NOT EXISTS ${S}.progress (
        tag             text NOT NULL,
        hash            text NOT NULL,
        statement_index integer NOT NULL,
        -- 'started' is written before a statement that runs outside a transaction, 'done' after it:
        -- a run killed in between finds 'started' and checks what the statement left behind.
        state           text NOT NULL DEFAULT 'done',
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tag, statement_index)
      );
      CREATE TABLE IF NOT EXISTS ${S}.history (
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
      );`,
  },
  {
    version: 2,
    name: 'progress: each statement\'s sha256, and the name given to an unnamed concurrent index',
    sql: `ALTER TABLE ${S}.progress ADD COLUMN IF NOT EXISTS statement_hash text, ADD COLUMN IF NOT EXISTS index_name text;`,
  },
  {
    version: 3,
    name: 'migrations: the hash of the applied statements\' parse trees (comment-only edits)',
    sql: `ALTER TABLE ${S}.migrations ADD COLUMN IF NOT EXISTS tree_hash text;`,
  },
  {
    version: 4,
    name: 'history: the archive a restore put back',
    sql: `ALTER TABLE ${S}.history ADD COLUMN IF NOT EXISTS archive text;`,
  },
  {
    version: 5,
    name: 'backfills: one row per named backfill, its checkpoint written in each batch\'s transaction',
    sql: `CREATE TABLE ${S}.backfills (
        name          text PRIMARY KEY,
        table_name    text NOT NULL,
        set_sql       text NOT NULL,
        where_sql     text,
        spec_hash     text NOT NULL,
        key_columns   text[] NOT NULL,
        last_key      text[],
        status        text NOT NULL CHECK (status IN ('running', 'interrupted', 'failed', 'finished')),
        rows_changed  bigint NOT NULL DEFAULT 0,
        rows_scanned  bigint NOT NULL DEFAULT 0,
        batches       bigint NOT NULL DEFAULT 0,
        duration_ms   bigint NOT NULL DEFAULT 0,
        started_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        finished_at   timestamptz,
        error         text,
        os_user       text,
        host          text
      );`,
  },
  {
    version: 6,
    name: 'data_migrations: tracked data migrations, run between schema migrations',
    sql: `CREATE TABLE ${S}.data_migrations (
        name         text PRIMARY KEY,
        after_tag    text NOT NULL,
        checksum     text NOT NULL,
        outcome      text NOT NULL CHECK (outcome IN ('running', 'failed', 'interrupted', 'finished')),
        started_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz,
        duration_ms  bigint,
        error        text,
        os_user      text,
        host         text
      );`,
  },
  {
    version: 7,
    name: 'backfills: the table a copy (rewrite-table) writes into, NULL for an UPDATE backfill',
    sql: `ALTER TABLE ${S}.backfills ADD COLUMN IF NOT EXISTS into_table text;`,
  },
  {
    version: 8,
    name: 'maintenance: the flag the application reads (isMaintenanceMode), with who set it, when, and its message',
    sql: `
      CREATE TABLE IF NOT EXISTS ${S}.maintenance (
        only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        enabled    boolean NOT NULL,
        message    text,
        db_user    text NOT NULL DEFAULT current_user,
        os_user    text,
        host       text,
        changed_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
];

/** The metadata version this release brings a database to. */
export const METADATA_VERSION = STEPS[STEPS.length - 1]!.version;

const checksum = (step: SelfMigration) => createHash('sha256').update(step.sql).digest('hex');

/**
 * Brings the metadata schema to METADATA_VERSION, each missing step in its own transaction.
 * Called only while holding the runner's advisory lock, so two runners never race on it. Refuses
 * a database a newer release upgraded (its tables may hold what this one would misread), and a
 * recorded step whose text this release does not know.
 */
export async function ensureMetadata(db: Queryable): Promise<void> {
  const { rows: exists } = await db.query<{ ok: boolean }>(`SELECT to_regclass('${S}.schema_version') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) {
    await db.query(`
      CREATE SCHEMA IF NOT EXISTS ${S};
      CREATE TABLE IF NOT EXISTS ${S}.schema_version (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
  }
  const { rows } = await db.query<{ version: number; checksum: string }>(`SELECT version, checksum FROM ${S}.schema_version ORDER BY version`);
  const applied = new Map(rows.map((r) => [r.version, r.checksum]));
  const newest = rows.at(-1)?.version ?? 0;
  if (newest > METADATA_VERSION) {
    throw new MigratorError('E_METADATA_VERSION', `the ${S} schema is at version ${newest}, made by a newer release of sdk; this one knows up to version ${METADATA_VERSION}`, {
      hint: 'upgrade @big0290/cli (and @big0290/migrator) to the release that ran last on this database, then run the command again',
    });
  }
  for (const step of STEPS) {
    const recorded = applied.get(step.version);
    if (recorded !== undefined) {
      if (recorded !== checksum(step)) {
        throw new MigratorError('E_METADATA_VERSION', `${S}.schema_version records step ${step.version} with another checksum than this release's (${step.name})`, {
          hint: 'the metadata schema was changed by a modified build of sdk; restore it from a backup or ask the maintainers',
        });
      }
      continue;
    }
    await db.query('BEGIN');
    try {
      await db.query(step.sql);
      await db.query(`INSERT INTO ${S}.schema_version (version, name, checksum) VALUES ($1, $2, $3)`, [step.version, step.name, checksum(step)]);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
}

/**
 * For commands other than the runner that write the metadata tables (backfills, the maintenance
 * flag): when the schema is current (the usual case) that is one query; otherwise the upgrade
 * runs under the runner's advisory lock, as it does for `sdk db migrate`.
 */
export async function ensureMetadataCurrent(db: Queryable): Promise<void> {
  const { rows: exists } = await db.query<{ ok: boolean }>(`SELECT to_regclass('${S}.schema_version') IS NOT NULL AS ok`);
  if (exists[0]?.ok) {
    const { rows } = await db.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${S}.schema_version`);
    if ((rows[0]?.version ?? 0) >= METADATA_VERSION) return;
  }
  await acquireRunnerLock(db, DEFAULT_ADVISORY_LOCK_WAIT_MS, () => {});
  try {
    await ensureMetadata(db);
  } finally {
    await releaseRunnerLock(db).catch(() => {});
  }
}
