import type pg from 'pg';
import { dropIndexConcurrently } from '../db/indexes.js';
import { RetryBudget, retryLockFailures, retryReason, sleep, type RetryPolicy } from '../db/lock-retry.js';
import { blockersOf, indexValidity, reindexLeftovers } from '../db/sessions.js';
import { DeadlockError, LockTimeoutError, MigrationFailedError, MigratorError, RowLocksError } from '../errors.js';
import { treeHash } from '../sql/tree-hash.js';
import type { SqlStatement } from '../sql/types.js';
import { ConcurrentIndexBuild } from './index-build.js';
import { statementHash } from './progress.js';
import { DRIZZLE_SCHEMA, DRIZZLE_TABLE, METADATA_SCHEMA, type Progress, type StatementProgress } from '../db/metadata.js';
import type { AppliedMigration, BlockingSession, PlannedMigration, RunnerEvent } from './types.js';

export interface ApplySettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retry: RetryPolicy;
  /** A transaction that changed this many rows is not retried after losing a lock race. */
  retryRowLimit: number;
  maxIndexRebuilds: number;
  runId: number;
  /** The migration after this one, recorded as the run's current one when this one commits. */
  nextTag?: string | undefined;
  emit: (event: RunnerEvent) => void;
  /** A second connection used only to read who blocks the runner while it waits. */
  monitor: () => Promise<Pick<pg.Client, 'query'>>;
  /** Aborted on Ctrl-C: no further attempt starts. */
  signal?: AbortSignal | undefined;
}

interface Segment {
  transactional: boolean;
  statements: SqlStatement[];
}

/** Consecutive statements that may share a transaction form one segment; the others run alone. */
function segments(statements: SqlStatement[]): Segment[] {
  const out: Segment[] = [];
  for (const s of statements) {
    const last = out[out.length - 1];
    if (s.transactional && last?.transactional) last.statements.push(s);
    else out.push({ transactional: s.transactional, statements: [s] });
  }
  return out;
}

/**
 * Applies one migration: each run of transactional statements in its own transaction, each
 * statement PostgreSQL refuses inside a transaction on its own, progress recorded per statement
 * so a run killed half-way resumes where it stopped. A fully transactional migration is one
 * transaction that also records it as applied, in our table and in drizzle's.
 */
export async function applyMigration(
  client: pg.Client,
  migration: PlannedMigration,
  progress: Progress | undefined,
  runSettings: ApplySettings,
): Promise<AppliedMigration> {
  const started = Date.now();
  // A file may ask for a shorter lock_timeout than the run's (`-- sdk:lock-timeout`), never a longer one.
  const settings = migration.lockTimeoutMs !== undefined && migration.lockTimeoutMs < runSettings.lockTimeoutMs ? { ...runSettings, lockTimeoutMs: migration.lockTimeoutMs } : runSettings;
  const parts = segments(migration.statements);
  const single = parts.length === 1 && parts[0]!.transactional;
  const done = progress?.done ?? new Set<number>();
  let retries = 0;
  settings.emit({ type: 'migration-start', tag: migration.tag, phase: migration.phase, statements: migration.statements.length, resumeFrom: migration.resumeFrom });
  if (progress?.remapped) await rewriteProgress(client, migration, progress, settings);

  const finish = (durationMs: number) => bookkeepingSql(client, migration, durationMs, settings.runId, settings.nextTag);

  if (migration.statements.length === 0 || single) {
    retries += await runTransaction(client, migration, migration.statements, settings, () => finish(Date.now() - started));
  } else {
    for (const part of parts) {
      const todo = part.statements.filter((s) => !done.has(s.index));
      if (todo.length === 0) continue;
      if (part.transactional) {
        retries += await runTransaction(client, migration, todo, settings, () => progressSql(client, migration, todo, 'done'));
      } else {
        retries += await runOutsideTransaction(client, migration, todo[0]!, progress?.statements.get(todo[0]!.index), settings);
      }
    }
    await client.query(`BEGIN; ${finish(Date.now() - started)} COMMIT;`);
  }
  const durationMs = Date.now() - started;
  settings.emit({ type: 'migration-done', tag: migration.tag, durationMs, retries });
  return { tag: migration.tag, phase: migration.phase, statements: migration.statements.length, durationMs, retries, resumed: migration.resumeFrom > 0 };
}

/**
 * The file of a partly applied migration changed in statements that never completed: the rows
 * of what completed are written again under the new file hash (statement numbers are unchanged:
 * what completed is the same first statements), and an index an edited started statement left
 * INVALID under the name the runner gave it is dropped, so the new form can have that name.
 */
async function rewriteProgress(client: pg.Client, migration: PlannedMigration, progress: Progress, settings: ApplySettings): Promise<void> {
  const lit = (v: string | null) => (v === null ? 'NULL' : client.escapeLiteral(v));
  const rows = [...progress.statements.entries()].map(
    ([index, p]) => `(${lit(migration.tag)}, ${lit(migration.hash)}, ${index}, '${p.state}', ${lit(p.statementHash)}, ${lit(p.indexName)})`,
  );
  await client.query(
    `BEGIN; DELETE FROM ${METADATA_SCHEMA}.progress WHERE tag = ${lit(migration.tag)};
     ${rows.length ? `INSERT INTO ${METADATA_SCHEMA}.progress (tag, hash, statement_index, state, statement_hash, index_name) VALUES ${rows.join(', ')};` : ''}
     COMMIT;`,
  );
  settings.emit({ type: 'progress-remapped', tag: migration.tag, kept: progress.done.size, rerun: migration.statements.length - progress.done.size });
  for (const name of progress.staleIndexNames ?? []) {
    await retryLockFailures(settings.retry, async () => {
      const existing = await indexValidity(client, undefined, name);
      if (!existing || existing.valid) return;
      settings.emit({ type: 'invalid-index', index: `${existing.schema}.${name}`, attempt: 1, action: 'drop-leftover' });
      await dropIndexConcurrently(client, existing.schema, name, settings.lockTimeoutMs);
    }).catch((error: unknown) => {
      if (!retryReason(error)) throw error;
      throw new LockTimeoutError(`migration ${migration.tag}: dropping the INVALID index ${name} an edited statement left`, 1, { cause: error });
    });
  }
}

function bookkeepingSql(client: pg.Client, m: PlannedMigration, durationMs: number, runId: number, nextTag: string | undefined): string {
  const lit = (v: string) => client.escapeLiteral(v);
  return `
    INSERT INTO ${METADATA_SCHEMA}.migrations (tag, idx, hash, created_at, phase, statements, duration_ms, run_id, tree_hash)
      VALUES (${lit(m.tag)}, ${m.idx}, ${lit(m.hash)}, ${m.when}, ${lit(m.phase)}, ${m.statements.length}, ${Math.round(durationMs)}, ${runId}, ${lit(treeHash(m.statements))});
    INSERT INTO ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} (hash, created_at)
      SELECT ${lit(m.hash)}, ${m.when} WHERE NOT EXISTS (SELECT 1 FROM ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} WHERE created_at = ${m.when});
    DELETE FROM ${METADATA_SCHEMA}.progress WHERE tag = ${lit(m.tag)};
    UPDATE ${METADATA_SCHEMA}.history SET migrations = array_append(migrations, ${lit(m.tag)}),
      statements_applied = statements_applied + ${m.statements.length - m.resumeFrom},
      current_tag = ${nextTag === undefined ? 'NULL' : lit(nextTag)} WHERE id = ${runId};`;
}

function progressSql(client: pg.Client, m: PlannedMigration, statements: SqlStatement[], state: 'started' | 'done', indexName?: string): string {
  const lit = (v: string) => client.escapeLiteral(v);
  return statements
    .map(
      (s) => `INSERT INTO ${METADATA_SCHEMA}.progress (tag, hash, statement_index, state, statement_hash, index_name)
        VALUES (${lit(m.tag)}, ${lit(m.hash)}, ${s.index}, '${state}', ${lit(statementHash(s.sql))}, ${indexName === undefined ? 'NULL' : lit(indexName)})
        ON CONFLICT (tag, statement_index) DO UPDATE SET state = EXCLUDED.state, hash = EXCLUDED.hash, statement_hash = EXCLUDED.statement_hash,
          index_name = coalesce(EXCLUDED.index_name, ${METADATA_SCHEMA}.progress.index_name), updated_at = now();`,
    )
    .join('\n');
}

/**
 * Watches who blocks the runner while a statement runs, so a lock timeout can say which sessions
 * were in the way (once the statement has failed, the wait and its blockers are gone).
 */
function watchBlockers(client: pg.Client, settings: ApplySettings): { stop: () => Promise<BlockingSession[]> } {
  let latest: BlockingSession[] = [];
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pid = (client as unknown as { processID: number }).processID;
  // First look soon (a short lock_timeout would otherwise expire before it), then every third
  // of the lock timeout, at least twice a second: PostgreSQL's deadlock check comes after
  // deadlock_timeout (1 s by default), whatever the lock timeout.
  const first = Math.min(50, Math.floor(settings.lockTimeoutMs / 4));
  const every = Math.max(100, Math.min(500, Math.floor(settings.lockTimeoutMs / 3)));
  const look = () => {
    running = settings
      .monitor()
      .then((m) => blockersOf(m, pid))
      .then((b) => {
        if (b.length > 0) latest = b;
      })
      .catch(() => {})
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(look, every);
      });
  };
  timer = setTimeout(look, first);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      return latest;
    },
  };
}

/** Rows a transaction has changed so far (and so holds row locks on), and the statement that changed the most. */
interface RowsChanged {
  rows: number;
  by?: SqlStatement;
  byRows: number;
}

const ROW_CHANGING_COMMANDS = new Set(['UPDATE', 'DELETE', 'MERGE']);

async function runTransaction(
  client: pg.Client,
  migration: PlannedMigration,
  statements: SqlStatement[],
  settings: ApplySettings,
  tail: () => string,
): Promise<number> {
  const budget = new RetryBudget(settings.retry);
  for (;;) {
    let current: SqlStatement | undefined;
    const changed: RowsChanged = { rows: 0, byRows: 0 };
    const watch = watchBlockers(client, settings);
    try {
      // lock_timeout bounds how long any statement waits for a lock (and so how long the queue
      // behind it stalls); statement_timeout bounds how long the transaction can hold its locks.
      const begin = `BEGIN; SET LOCAL lock_timeout = ${Math.round(settings.lockTimeoutMs)}; SET LOCAL statement_timeout = ${Math.round(settings.statementTimeoutMs)};`;
      if (statements.length === 0) await client.query(begin);
      for (const [i, statement] of statements.entries()) {
        current = statement;
        const t = Date.now();
        settings.emit({ type: 'statement-start', tag: migration.tag, index: statement.index, sql: statement.sql, transactional: true });
        // The first statement travels with BEGIN in one round trip (BEGIN and SET cannot fail
        // here, so an error is the statement's). It goes last in the string: a trailing comment
        // in it cannot swallow anything.
        const result: pg.QueryResult | pg.QueryResult[] = await client.query(i === 0 ? `${begin}\n${statement.sql}` : statement.sql);
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        if (last && ROW_CHANGING_COMMANDS.has(last.command) && last.rowCount) {
          changed.rows += last.rowCount;
          if (last.rowCount > changed.byRows) {
            changed.by = statement;
            changed.byRows = last.rowCount;
          }
        }
        settings.emit({ type: 'statement-done', tag: migration.tag, index: statement.index, durationMs: Date.now() - t });
      }
      current = undefined;
      await client.query(`${tail()} COMMIT;`);
      await watch.stop();
      return budget.failures;
    } catch (error) {
      const blockers = await watch.stop();
      await client.query('ROLLBACK').catch(() => {});
      await retryOrThrow(error, budget, migration, current ?? statements[0]!, blockers, settings, changed);
    }
  }
}

/**
 * After a failed attempt: pause and return to retry, or throw the error the caller sees. A lock
 * timeout or deadlock is retried within the budget, unless the transaction had changed so many
 * rows that a retry would stall the application's writes to them all over again.
 */
async function retryOrThrow(
  error: unknown,
  budget: RetryBudget,
  migration: PlannedMigration,
  statement: SqlStatement,
  blockers: BlockingSession[],
  settings: ApplySettings,
  changed?: RowsChanged,
): Promise<void> {
  if (error instanceof MigratorError || settings.signal?.aborted) throw error;
  const reason = retryReason(error);
  if (!reason) throw failed(error, migration, statement);
  const what = `migration ${migration.tag} statement ${statement.index + 1} (line ${statement.line})`;
  if (changed?.by && changed.rows >= settings.retryRowLimit) {
    throw new RowLocksError(
      what,
      { rows: changed.rows, table: changed.by.changesRowsOf, changedBy: `statement ${changed.by.index + 1}, line ${changed.by.line}`, reason, blockers },
      { cause: error },
    );
  }
  const wait = budget.next();
  if (wait === undefined) {
    if (reason === 'deadlock') throw new DeadlockError(what, budget.failures, { cause: error, blockers });
    throw new LockTimeoutError(what, budget.failures, { cause: error, blockers, elapsedMs: budget.elapsedMs() });
  }
  settings.emit({
    type: 'retry',
    reason,
    tag: migration.tag,
    index: statement.index,
    attempt: budget.failures,
    maxAttempts: budget.maxAttempts(),
    remainingMs: budget.remainingMs(),
    backoffMs: wait,
    blockers,
  });
  await sleep(wait, settings.signal);
  if (settings.signal?.aborted) throw error;
}

function failed(error: unknown, migration: PlannedMigration, statement: SqlStatement, note = ''): MigrationFailedError {
  const e = error as { message?: string; code?: string; position?: string };
  const where = `${migration.path}:${statement.line}`;
  const code = e.code === '57014' ? ' (statement_timeout: it held its locks too long; use a concurrent/batched form or raise `statementTimeoutMs`)' : '';
  return new MigrationFailedError(migration.tag, statement.index, `${e.message ?? String(error)}${code} at ${where}${note}`, { cause: error });
}

async function runOutsideTransaction(
  client: pg.Client,
  migration: PlannedMigration,
  statement: SqlStatement,
  recorded: StatementProgress | undefined,
  settings: ApplySettings,
): Promise<number> {
  const lit = (v: string) => client.escapeLiteral(v);
  const startedBefore = recorded?.state === 'started';
  const reindex = statement.kind === 'ReindexStmt' ? statement.concurrentIndex : undefined;
  const build = statement.kind === 'IndexStmt' && statement.concurrentIndex ? ConcurrentIndexBuild.prepare(statement.sql, recorded?.indexName) : undefined;
  const budget = new RetryBudget(settings.retry);
  let lastFailure = '';
  let afterLockFailure = false;
  for (;;) {
    const ranBefore = startedBefore || budget.failures > 0;
    const watch = watchBlockers(client, settings);
    try {
      // No statement_timeout: a concurrent build does not block reads or writes and may take
      // hours on a big table. lock_timeout still bounds its wait for SHARE UPDATE EXCLUSIVE.
      await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
      // A previous attempt (or a killed run) may have finished this statement, or left an INVALID
      // index; dropping a leftover waits for locks like any statement, so it shares the retries.
      if (build && (await build.prepareAttempt(client, settings, { tag: migration.tag, statementIndex: statement.index, ranBefore, lastFailure, afterLockFailure })) === 'done') {
        await client.query(progressSql(client, migration, [statement], 'done', build.name));
        await watch.stop();
        return budget.failures;
      }
      // The name goes on record before the build starts: a run killed during it finds the index by it.
      await client.query(progressSql(client, migration, [statement], 'started', build?.name));
      // A REINDEX CONCURRENTLY that was killed or failed leaves its INVALID new copy behind
      // (`<name>_ccnew`); running it again would add another. Drop them first, as the REINDEX
      // docs advise: https://www.postgresql.org/docs/current/sql-reindex.html#SQL-REINDEX-CONCURRENTLY
      if (reindex?.name && ranBefore) await dropReindexLeftovers(client, reindex.schema, reindex.name, settings);
      await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
      const t = Date.now();
      const sql = build?.sql ?? statement.sql;
      settings.emit({ type: 'statement-start', tag: migration.tag, index: statement.index, sql, transactional: false });
      await client.query(sql);
      settings.emit({ type: 'statement-done', tag: migration.tag, index: statement.index, durationMs: Date.now() - t });
      await watch.stop();
      await client.query(`UPDATE ${METADATA_SCHEMA}.progress SET state = 'done', updated_at = now() WHERE tag = ${lit(migration.tag)} AND statement_index = ${statement.index}`);
      return budget.failures;
    } catch (error) {
      const blockers = await watch.stop();
      const code = (error as { code?: string } | null)?.code;
      lastFailure = (error as Error).message ?? String(error);
      afterLockFailure = retryReason(error) !== undefined;
      // Re-running what a killed run already completed: ALTER TYPE ... ADD VALUE (the value
      // exists) or DROP INDEX CONCURRENTLY (the index is gone).
      const alreadyDone = (code === '42710' && statement.kind === 'AlterEnumStmt') || (code === '42704' && statement.kind === 'DropStmt');
      if (startedBefore && budget.failures === 0 && alreadyDone) {
        await client.query(progressSql(client, migration, [statement], 'done'));
        return 0;
      }
      if (!(error instanceof MigratorError) && !retryReason(error) && !settings.signal?.aborted) {
        // The build failed for a reason a retry will not fix (duplicate keys for a UNIQUE index,
        // a bad expression...). Do not leave an INVALID index behind: it slows every write.
        if (reindex?.name) await dropReindexLeftovers(client, reindex.schema, reindex.name, settings).catch(() => {});
        const left = await build?.dropOwnLeftover(client, settings);
        if (left) throw failed(error, migration, statement, `; the INVALID index ${left} it left could not be dropped yet (the next \`sdk db migrate\` drops it)`);
      }
      await retryOrThrow(error, budget, migration, statement, blockers, settings);
    }
  }
}

/** Drops the INVALID `<name>_ccnew[N]` / `<name>_ccold[N]` copies an interrupted REINDEX CONCURRENTLY left. */
async function dropReindexLeftovers(client: pg.Client, schema: string | undefined, name: string, settings: ApplySettings): Promise<void> {
  for (const leftover of await reindexLeftovers(client, schema, name)) {
    settings.emit({ type: 'invalid-index', index: `${leftover.schema}.${leftover.name}`, attempt: 1, action: 'drop-and-rebuild' });
    await dropIndexConcurrently(client, leftover.schema, leftover.name, settings.lockTimeoutMs);
  }
}
