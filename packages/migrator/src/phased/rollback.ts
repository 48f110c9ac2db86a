import type pg from 'pg';
import { acquireRunnerLock, releaseRunnerLock } from '../db/advisory-lock.js';
import { connect } from '../db/connect.js';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS, DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRY_FOR_MS } from '../db/defaults.js';
import { retryLockFailures } from '../db/lock-retry.js';
import { DRIZZLE_SCHEMA, DRIZZLE_TABLE, METADATA_SCHEMA, readApplied } from '../db/metadata.js';
import { ensureMetadata } from '../db/metadata-migrations.js';
import { MigratorError } from '../errors.js';
import { BLOCKING_STEP_LOCK_TIMEOUT_MS } from '../operations/index.js';
import { currentActor } from '../util/actor.js';
import { filesOf, operationFiles } from './operation-files.js';

export interface RollbackOperationOptions {
  databaseUrl: string;
  migrationsFolder: string;
  /** The operation's name (`add_phone`) or one of its tags. */
  name: string;
  /** lock_timeout ceiling (ms); statements that block writes while they wait use at most 200 ms (BLOCKING_STEP_LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number | undefined;
  /** How long a statement that lost a lock race keeps being retried (ms). */
  retryForMs?: number | undefined;
  onStatement?: ((sql: string) => void) | undefined;
}

export interface RollbackOperationResult {
  name: string;
  kind: string;
  /** Migrations that were applied and are now undone (they are pending again). */
  undone: string[];
  /** Statements run to undo them. */
  statements: string[];
  /** Nothing was applied: nothing to undo. */
  nothingApplied: boolean;
}

/**
 * Undoes an operation whose expand ran and whose contract did not: runs the statements its first
 * file records (`-- sdk:rollback`: drop the new column, trigger, index or table), forgets that
 * its migrations and data migrations were applied (so a later `sdk db migrate` runs them again,
 * unless the files are deleted), and records the rollback in the history. Under the migration
 * lock, each statement under lock_timeout and retried when it loses a lock race.
 */
export async function rollbackOperation(options: RollbackOperationOptions): Promise<RollbackOperationResult> {
  const files = filesOf(await operationFiles(options.migrationsFolder), options.name);
  const name = files[0]!.name;
  const kind = files[0]!.kind;
  const client = await connect(options.databaseUrl, { applicationName: 'sdk rollback-operation' });
  let locked = false;
  try {
    await ensureMetadata(client);
    await acquireRunnerLock(client, DEFAULT_ADVISORY_LOCK_WAIT_MS, () => {});
    locked = true;
    const { ours } = await readApplied(client);
    const applied = new Set(ours.map((r) => r.tag));
    const contracted = files.filter((f) => f.phase === 'contract' && applied.has(f.tag));
    if (contracted.length > 0) {
      throw new MigratorError('E_OPERATION', `${name} is contracted already (${contracted.map((f) => f.tag).join(', ')} applied): its old shape is gone, so there is nothing to roll back to`, {
        hint: 'undo it with a new migration (or a new operation) instead',
      });
    }
    const undone = files.filter((f) => applied.has(f.tag)).map((f) => f.tag);
    // A migration that stopped half-way (a statement outside a transaction done, a later one
    // failed or killed) is not applied but left what it did: its progress says so.
    const tags = files.map((f) => f.tag);
    const { rows: partial } = await client.query<{ tag: string }>(`SELECT DISTINCT tag FROM ${METADATA_SCHEMA}.progress WHERE tag = ANY ($1)`, [tags]);
    const statements = undone.length > 0 || partial.length > 0 ? files[0]!.rollback : [];
    const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const policy = { retryForMs: options.retryForMs ?? DEFAULT_RETRY_FOR_MS };
    for (const sql of statements) {
      options.onStatement?.(sql);
      await retryLockFailures(policy, () => run(client, sql, lockTimeoutMs));
    }
    const actor = currentActor();
    await client.query('BEGIN');
    await client.query(`DELETE FROM ${METADATA_SCHEMA}.migrations WHERE tag = ANY ($1)`, [undone]);
    await client.query(`DELETE FROM ${METADATA_SCHEMA}.progress WHERE tag = ANY ($1)`, [tags]);
    // drizzle-kit's rows by their journal time, as the runner finds them (the hash is the file's as
    // it was applied: it may have been edited since).
    const undoneWhen = files.filter((f) => undone.includes(f.tag)).map((f) => f.when);
    await client.query(`DELETE FROM ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} WHERE created_at = ANY ($1::bigint[])`, [undoneWhen]);
    // Its data migrations (NNNN_<name>_backfill[_n]) and their backfills' checkpoints: run again, they start over.
    const pattern = `^[0-9]{4,}_${name}_backfill(_[0-9]+)?$`;
    await client.query(`DELETE FROM ${METADATA_SCHEMA}.backfills WHERE split_part(name, '#', 1) ~ $1`, [pattern]);
    await client.query(`DELETE FROM ${METADATA_SCHEMA}.data_migrations WHERE name ~ $1`, [pattern]);
    await client.query(
      `INSERT INTO ${METADATA_SCHEMA}.history (os_user, host, git_sha, phase, target_tag, migrations, outcome, finished_at, duration_ms, statements_applied)
       VALUES ($1, $2, $3, 'rollback-operation', $4, $5, 'rolled-back', now(), 0, $6)`,
      [actor.user, actor.host, actor.gitSha, name, undone, statements.length],
    );
    await client.query('COMMIT');
    return { name, kind, undone, statements, nothingApplied: undone.length === 0 && partial.length === 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    if (locked) await releaseRunnerLock(client).catch(() => {});
    await client.end().catch(() => {});
  }
}

/** One undo statement: in a transaction with lock_timeout, or alone when PostgreSQL refuses one (DROP INDEX CONCURRENTLY). */
async function run(client: pg.Client, sql: string, runLockTimeoutMs: number): Promise<void> {
  // As the operation's own steps: a statement whose lock blocks writes (every undo statement but a
  // concurrent index drop) waits at most BLOCKING_STEP_LOCK_TIMEOUT_MS, then is retried.
  const concurrently = /\bCONCURRENTLY\b/i.test(sql);
  const lockTimeoutMs = concurrently ? runLockTimeoutMs : Math.min(runLockTimeoutMs, BLOCKING_STEP_LOCK_TIMEOUT_MS);
  if (concurrently) {
    await client.query(`SET lock_timeout = ${Math.round(lockTimeoutMs)}`);
    await client.query(sql);
    return;
  }
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}`);
    await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
