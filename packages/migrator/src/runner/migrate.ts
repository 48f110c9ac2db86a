import pg from 'pg';
import { ensureMetadata } from '../db/metadata-migrations.js';
import { ConfigError, MigrationInterruptedError, MigratorError } from '../errors.js';
import { connect, serverVersionNum } from '../db/connect.js';
import { redactText, passwordOf } from '../util/redact.js';
import { currentActor } from '../util/actor.js';
import { analyzeMigration } from './analyze.js';
import { applyMigration } from './apply.js';
import { reconcileWithEdits } from './edits.js';
import { readMigrations } from './journal.js';
import { acquireRunnerLock, releaseRunnerLock } from '../db/advisory-lock.js';
import { assertConsistent, type Reconciliation } from './reconcile.js';
import { METADATA_SCHEMA, readApplied, readProgress, type Progress } from '../db/metadata.js';
import {
  DEFAULT_ADVISORY_LOCK_WAIT_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_MAX_INDEX_REBUILDS,
  DEFAULT_RETRY_FOR_MS,
  DEFAULT_RETRY_ROW_LIMIT,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from '../db/defaults.js';
import { treeHash } from '../sql/tree-hash.js';
import { remapProgress } from './progress.js';
import { repairInvalidIndexes } from './repair-indexes.js';
import type { AppliedMigration, MigrateOptions, MigrateResult, PlannedMigration, RunnerEvent } from './types.js';

export { DEFAULT_ADVISORY_LOCK_WAIT_MS, DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_MAX_INDEX_REBUILDS, DEFAULT_RETRY_FOR_MS, DEFAULT_RETRY_ROW_LIMIT, DEFAULT_STATEMENT_TIMEOUT_MS };

/**
 * Applies pending migrations safely on a live database.
 *
 * Takes a session advisory lock (a second runner waits, bounded, and is told who holds it),
 * verifies checksums and order, adopts history written by drizzle-kit, then applies each
 * migration in its own transaction with lock_timeout/statement_timeout, running statements that
 * cannot run in a transaction outside one, retrying lock timeouts with backoff, and recording
 * everything in its own schema and in `drizzle.__drizzle_migrations`.
 *
 * @example
 * const result = await migrate({ databaseUrl: process.env.DATABASE_URL!, migrationsFolder: './migrations', phase: 'expand' });
 * if (result.stopped?.reason === 'phase') console.log(`deploy the app, then migrate ${result.stopped.beforeTag}`);
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const emit = (event: RunnerEvent) => options.onEvent?.(event);
  const files = await readMigrations(options.migrationsFolder);
  if (options.to && !files.some((f) => f.tag === options.to)) {
    throw new ConfigError(`\`to\` ${options.to}: no migration with that tag in ${options.migrationsFolder}`, {
      hint: 'run `sdk db status` to list the tags',
    });
  }
  const actor = currentActor(options.actor);
  const client = await connect(options.databaseUrl, { applicationName: `sdk migrate (host=${actor.host})`.slice(0, 63) });
  let monitor: Promise<pg.Client> | undefined;
  let locked = false;
  let runId: number | undefined;
  const applied: AppliedMigration[] = [];
  let current: PlannedMigration | undefined;
  let currentStatement: { index: number; transactional: boolean } | undefined;
  const rebuiltIndexes: string[] = [];
  const track = (event: RunnerEvent) => {
    if (event.type === 'invalid-index') rebuiltIndexes.push(event.index);
    if (event.type === 'statement-start') currentStatement = { index: event.index, transactional: event.transactional };
    emit(event);
  };
  try {
    if (options.dryRun) {
      const { ours, drizzle } = await readApplied(client);
      const state = await reconcileWithEdits(files, ours, drizzle);
      assertConsistent(state, options);
      const { plan, stopped, remaining } = await planRun(state, await readProgress(client), options);
      return { dryRun: true, plan, applied, stopped, rebuiltIndexes, remaining };
    }

    const version = await serverVersionNum(client);
    // A killed runner's backend would otherwise keep running (and keep its locks, including the
    // advisory lock) until its current statement ends; PostgreSQL 14+ can notice the client is
    // gone while a query runs.
    if (version >= 140000) await client.query("SET client_connection_check_interval = '1s'");
    const waited = await acquireRunnerLock(client, options.advisoryLockWaitMs ?? DEFAULT_ADVISORY_LOCK_WAIT_MS, (holder) =>
      emit({ type: 'advisory-lock-wait', holder }),
    );
    locked = true;
    emit({ type: 'advisory-lock-acquired', waitedMs: waited });
    await ensureMetadata(client);
    // We hold the lock, so any run still marked running was interrupted (killed, lost connection).
    await client.query(`UPDATE ${METADATA_SCHEMA}.history SET outcome = 'interrupted', finished_at = coalesce(finished_at, now()) WHERE outcome = 'running'`);
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO ${METADATA_SCHEMA}.history (os_user, host, git_sha, phase, target_tag) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [actor.user, actor.host, actor.gitSha, options.phase ?? 'all', options.to ?? null],
    );
    runId = Number(rows[0]!.id);

    const { ours, drizzle } = await readApplied(client);
    const state = await reconcileWithEdits(files, ours, drizzle);
    assertConsistent(state, options);
    await adoptDrizzleHistory(client, state, runId, emit);
    if (options.resetProgress?.length) await resetProgress(client, options.resetProgress, state, emit);
    const progress = await readProgress(client);
    const { plan, stopped, remaining } = await planRun(state, progress, options);

    const settings = {
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      retry: retryPolicy(options),
      retryRowLimit: options.retryRowLimit ?? DEFAULT_RETRY_ROW_LIMIT,
      maxIndexRebuilds: options.maxIndexRebuilds ?? DEFAULT_MAX_INDEX_REBUILDS,
      runId,
      signal: options.signal,
      emit: track,
      // One connection, however many callers ask for it at once.
      monitor: () => (monitor ??= connect(options.databaseUrl, { applicationName: 'sdk migrate (monitor)' })),
    };
    await client.query(`SET lock_timeout = ${settings.lockTimeoutMs}`);
    // INVALID indexes the applied migrations' own concurrent builds left (under other names, by an
    // older runner or by hand): `sdk db status` points here for them.
    const appliedFiles = state.entries.filter((e) => e.state === 'applied').map((e) => e.file);
    await repairInvalidIndexes(client, appliedFiles, { lockTimeoutMs: settings.lockTimeoutMs, retry: settings.retry, serverVersion: version, emit: track });
    // Which migration the run is on is visible to `sdk db status` from other sessions; each
    // migration's commit records the next one, so this costs no extra round trip.
    if (plan[0]) await client.query(`UPDATE ${METADATA_SCHEMA}.history SET current_tag = $1 WHERE id = $2`, [plan[0].tag, runId]);
    // Ctrl-C: the statement running is cancelled from the monitor connection (its transaction then
    // rolls back), and the run stops before anything else starts.
    const pid = (client as unknown as { processID: number }).processID;
    const cancelOnce = () => void settings.monitor().then((m) => m.query('SELECT pg_cancel_backend($1)', [pid])).catch(() => {});
    // A cancel that reaches the server just before the next statement does (the session idle for
    // that instant) is ignored by PostgreSQL: it is sent again until the run has stopped.
    let cancelAgain: NodeJS.Timeout | undefined;
    const cancel = () => {
      cancelOnce();
      cancelAgain = setInterval(cancelOnce, 250);
    };
    options.signal?.addEventListener('abort', cancel, { once: true });
    // Open it before the first statement: a short lock_timeout would expire while the blocker
    // watch is still connecting, and the lock-timeout report would not name who was in the way.
    // Without it, statements still run (the watch and Ctrl-C then do without).
    if (plan.length > 0) await settings.monitor().catch(() => {});
    try {
      const appliedTags = state.entries.filter((e) => e.state === 'applied').map((e) => e.file.tag);
      await options.between?.({ appliedTags, justApplied: null, client, signal: options.signal });
      for (const [i, migration] of plan.entries()) {
        current = migration;
        if (options.signal?.aborted) throw interruptedError(options.signal, applied, undefined);
        applied.push(await applyMigration(client, migration, progress.get(migration.tag), { ...settings, nextTag: plan[i + 1]?.tag }));
        current = undefined;
        appliedTags.push(migration.tag);
        await options.between?.({ appliedTags, justApplied: migration.tag, client, signal: options.signal });
      }
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      clearInterval(cancelAgain);
    }
    if (stopped) emit({ type: 'stopped', reason: stopped.reason, tag: stopped.reason === 'phase' ? stopped.beforeTag : stopped.afterTag });
    await finishHistory(client, runId, stopped ? 'stopped' : 'succeeded', null);
    return { dryRun: false, plan, applied, stopped, rebuiltIndexes, remaining };
  } catch (caught) {
    let error = caught;
    if (options.signal?.aborted && !(error instanceof MigrationInterruptedError)) {
      const running = current && currentStatement ? { tag: current.tag, statement: currentStatement.index, transactional: currentStatement.transactional } : undefined;
      error = interruptedError(options.signal, applied, running, caught);
    }
    if (runId !== undefined) {
      const message = redactText(error instanceof Error ? error.message : String(error), [passwordOf(options.databaseUrl) ?? '']);
      await client.query('ROLLBACK').catch(() => {});
      await finishHistory(client, runId, error instanceof MigrationInterruptedError ? 'interrupted' : 'failed', message).catch(() => {});
    }
    throw error;
  } finally {
    if (locked) await releaseRunnerLock(client).catch(() => {});
    await client.end().catch(() => {});
    await monitor?.then((m) => m.end()).catch(() => {});
  }
}

function interruptedError(signal: AbortSignal, applied: AppliedMigration[], running: MigrationInterruptedError['rolledBack'], cause?: unknown): MigrationInterruptedError {
  const why = typeof signal.reason === 'string' ? signal.reason : 'a signal';
  return new MigrationInterruptedError(why, applied.map((a) => a.tag), running, cause === undefined ? {} : { cause });
}

async function finishHistory(client: pg.Client, runId: number, outcome: string, error: string | null): Promise<void> {
  await client.query(
    `UPDATE ${METADATA_SCHEMA}.history SET outcome = $2, error = $3, finished_at = now(),
       duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int, current_tag = NULL WHERE id = $1`,
    [runId, outcome, error],
  );
}

/** The retry budget: `retryForMs`, else a count alone when only `maxRetries` is given, else the default time. */
function retryPolicy(options: MigrateOptions): { retryForMs?: number; maxRetries?: number } {
  if (options.retryForMs !== undefined) return { retryForMs: options.retryForMs, ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}) };
  if (options.maxRetries !== undefined) return { maxRetries: options.maxRetries };
  return { retryForMs: DEFAULT_RETRY_FOR_MS };
}

/**
 * `--reset-progress TAG`: forgets what was recorded as done of a migration that never finished,
 * so it runs again from its first statement (after the user checked what had run).
 */
async function resetProgress(client: pg.Client, tags: string[], state: Reconciliation, emit: (e: RunnerEvent) => void): Promise<void> {
  for (const tag of tags) {
    const entry = state.entries.find((e) => e.file.tag === tag);
    if (!entry) throw new ConfigError(`\`resetProgress\` ${tag}: no migration with that tag in the migrations folder`, { hint: 'run `sdk db status` to list the tags' });
    if (entry.state === 'applied') {
      throw new ConfigError(`\`resetProgress\` ${tag}: that migration is applied, it has no progress to reset`, { hint: 'put further changes in a new migration' });
    }
    const { rowCount } = await client.query(`DELETE FROM ${METADATA_SCHEMA}.progress WHERE tag = $1`, [tag]);
    if (!rowCount) throw new ConfigError(`\`resetProgress\` ${tag}: nothing of that migration was recorded as run`, { hint: 'run `sdk db migrate` without `resetProgress`' });
    emit({ type: 'progress-reset', tag, statements: rowCount });
  }
}

/** Records migrations that drizzle-kit applied in our table too, without running anything. */
async function adoptDrizzleHistory(client: pg.Client, state: Reconciliation, runId: number, emit: (e: RunnerEvent) => void): Promise<void> {
  const adopt = state.entries.filter((e) => e.adoptFromDrizzle && e.state === 'applied');
  if (adopt.length === 0) return;
  await client.query('BEGIN');
  try {
    for (const entry of adopt) {
      const planned = await analyzeMigration(entry.file).catch(() => undefined);
      await client.query(
        `INSERT INTO ${METADATA_SCHEMA}.migrations (tag, idx, hash, created_at, phase, statements, run_id, adopted, tree_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) ON CONFLICT (tag) DO NOTHING`,
        [entry.file.tag, entry.file.idx, entry.file.hash, entry.file.when, planned?.phase ?? 'expand', planned?.statements.length ?? 0, runId, planned ? treeHash(planned.statements) : null],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  emit({ type: 'adopted-drizzle-history', count: adopt.length });
}

/** Pending migrations in journal order, cut at the first contract one (`phase: expand`) or at `to`; `phase: contract` must start at a contract one. */
async function planRun(
  state: Reconciliation,
  progress: Map<string, Progress>,
  options: MigrateOptions,
): Promise<Pick<MigrateResult, 'plan' | 'stopped' | 'remaining'>> {
  const todo = state.entries.filter((e) => e.state === 'pending' || (e.state === 'out-of-order' && options.allowOutOfOrder));
  const plan: PlannedMigration[] = [];
  let stopped: MigrateResult['stopped'];
  const toIndex = options.to ? state.entries.findIndex((e) => e.file.tag === options.to) : -1;
  for (const entry of todo) {
    if (toIndex >= 0 && state.entries.indexOf(entry) > toIndex) {
      stopped = { reason: 'to', afterTag: options.to! };
      break;
    }
    let done = progress.get(entry.file.tag);
    let planned = await analyzeMigration(entry.file, done?.done.size ?? 0);
    if (done && done.hash !== entry.file.hash) {
      // The file of a migration that never finished was edited (typically the statement that failed).
      done = remapProgress(done, entry.file, planned.statements);
      progress.set(entry.file.tag, done);
      planned = { ...planned, resumeFrom: done.done.size };
    }
    if (options.phase === 'expand' && planned.phase === 'contract') {
      stopped = { reason: 'phase', beforeTag: planned.tag, phaseReason: planned.phaseReason };
      break;
    }
    plan.push(planned);
  }
  // The contract phase starts where the expand phase stopped: at a contract migration. An expand
  // migration still pending first means the expand phase (and the deploy after it) has not run.
  const first = plan[0];
  if (options.phase === 'contract' && first?.phase === 'expand') {
    throw new MigratorError('E_PHASE', `\`phase\` contract: ${first.tag} is an expand migration and still pending, so the expand phase has not run`, {
      hint: 'apply the expand phase first (`sdk db migrate` with `phase` expand), deploy the application that works with the new schema, then run `sdk db migrate` with `phase` contract',
    });
  }
  const planned = new Set(plan.map((p) => p.tag));
  const remaining = todo.map((e) => e.file.tag).filter((t) => !planned.has(t));
  return { plan, stopped, remaining };
}
