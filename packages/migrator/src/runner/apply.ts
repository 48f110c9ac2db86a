import type pg from 'pg';
import { LockTimeoutError, MigrationFailedError, MigratorError } from '../errors.js';
import { blockersOf, indexValidity, quoteIdent, reindexLeftovers } from '../db/sessions.js';
import type { SqlStatement } from '../sql/types.js';
import { DRIZZLE_SCHEMA, DRIZZLE_TABLE, METADATA_SCHEMA, type Progress } from './tracking.js';
import type { AppliedMigration, BlockingSession, PlannedMigration, RunnerEvent } from './types.js';

/** SQLSTATEs after which the whole attempt is rolled back and retried after a backoff. */
const RETRYABLE = new Set([
  '55P03', // lock_not_available: lock_timeout expired
  '40P01', // deadlock_detected
  '40001', // serialization_failure
]);
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 10_000;

export interface ApplySettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  maxRetries: number;
  maxIndexRebuilds: number;
  runId: number;
  /** The migration after this one, recorded as the run's current one when this one commits. */
  nextTag?: string | undefined;
  emit: (event: RunnerEvent) => void;
  /** A second connection used only to read who blocks the runner while it waits. */
  monitor: () => Promise<Pick<pg.Client, 'query'>>;
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

/** Exponential backoff with jitter (half to full), so retrying runners do not stampede. */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sqlState(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
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
  settings: ApplySettings,
): Promise<AppliedMigration> {
  const started = Date.now();
  const parts = segments(migration.statements);
  const single = parts.length === 1 && parts[0]!.transactional;
  const done = progress?.done ?? new Set<number>();
  let retries = 0;
  settings.emit({ type: 'migration-start', tag: migration.tag, phase: migration.phase, statements: migration.statements.length, resumeFrom: migration.resumeFrom });

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
        retries += await runOutsideTransaction(client, migration, todo[0]!, progress?.started.has(todo[0]!.index) ?? false, settings);
      }
    }
    await client.query(`BEGIN; ${finish(Date.now() - started)} COMMIT;`);
  }
  const durationMs = Date.now() - started;
  settings.emit({ type: 'migration-done', tag: migration.tag, durationMs, retries });
  return { tag: migration.tag, phase: migration.phase, statements: migration.statements.length, durationMs, retries, resumed: migration.resumeFrom > 0 };
}

function bookkeepingSql(client: pg.Client, m: PlannedMigration, durationMs: number, runId: number, nextTag: string | undefined): string {
  const lit = (v: string) => client.escapeLiteral(v);
  return `
    INSERT INTO ${METADATA_SCHEMA}.migrations (tag, idx, hash, created_at, phase, statements, duration_ms, run_id)
      VALUES (${lit(m.tag)}, ${m.idx}, ${lit(m.hash)}, ${m.when}, ${lit(m.phase)}, ${m.statements.length}, ${Math.round(durationMs)}, ${runId});
    INSERT INTO ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} (hash, created_at)
      SELECT ${lit(m.hash)}, ${m.when} WHERE NOT EXISTS (SELECT 1 FROM ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} WHERE created_at = ${m.when});
    DELETE FROM ${METADATA_SCHEMA}.progress WHERE tag = ${lit(m.tag)};
    UPDATE ${METADATA_SCHEMA}.history SET migrations = array_append(migrations, ${lit(m.tag)}),
      statements_applied = statements_applied + ${m.statements.length - m.resumeFrom},
      current_tag = ${nextTag === undefined ? 'NULL' : lit(nextTag)} WHERE id = ${runId};`;
}

function progressSql(client: pg.Client, m: PlannedMigration, statements: SqlStatement[], state: 'started' | 'done'): string {
  const lit = (v: string) => client.escapeLiteral(v);
  return statements
    .map(
      (s) => `INSERT INTO ${METADATA_SCHEMA}.progress (tag, hash, statement_index, state) VALUES (${lit(m.tag)}, ${lit(m.hash)}, ${s.index}, '${state}')
        ON CONFLICT (tag, statement_index) DO UPDATE SET state = EXCLUDED.state, hash = EXCLUDED.hash, updated_at = now();`,
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
  // of the lock timeout while the statement keeps running.
  const first = Math.min(50, Math.floor(settings.lockTimeoutMs / 4));
  const every = Math.max(100, Math.floor(settings.lockTimeoutMs / 3));
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

async function runTransaction(
  client: pg.Client,
  migration: PlannedMigration,
  statements: SqlStatement[],
  settings: ApplySettings,
  tail: () => string,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    let current: SqlStatement | undefined;
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
        await client.query(i === 0 ? `${begin}\n${statement.sql}` : statement.sql);
        settings.emit({ type: 'statement-done', tag: migration.tag, index: statement.index, durationMs: Date.now() - t });
      }
      current = undefined;
      await client.query(`${tail()} COMMIT;`);
      await watch.stop();
      return attempt;
    } catch (error) {
      const blockers = await watch.stop();
      await client.query('ROLLBACK').catch(() => {});
      await retryOrThrow(error, attempt, migration, current ?? statements[0]!, blockers, settings);
    }
  }
}

/** After a failed attempt: back off and return to retry, or throw the error the caller sees. */
async function retryOrThrow(
  error: unknown,
  attempt: number,
  migration: PlannedMigration,
  statement: SqlStatement,
  blockers: BlockingSession[],
  settings: ApplySettings,
): Promise<void> {
  if (error instanceof MigratorError) throw error;
  const code = sqlState(error);
  if (code && RETRYABLE.has(code)) {
    if (attempt < settings.maxRetries) {
      const wait = backoffMs(attempt);
      settings.emit({ type: 'lock-timeout', tag: migration.tag, index: statement.index, attempt: attempt + 1, maxRetries: settings.maxRetries, backoffMs: wait, blockers });
      await sleep(wait);
      return;
    }
    throw new LockTimeoutError(`migration ${migration.tag} statement ${statement.index + 1} (line ${statement.line})`, attempt + 1, { cause: error });
  }
  throw failed(error, migration, statement);
}

function failed(error: unknown, migration: PlannedMigration, statement: SqlStatement): MigrationFailedError {
  const e = error as { message?: string; code?: string; position?: string };
  const where = `${migration.path}:${statement.line}`;
  const code = e.code === '57014' ? ' (statement_timeout: it held its locks too long; use a concurrent/batched form or raise --statement-timeout)' : '';
  return new MigrationFailedError(migration.tag, statement.index, `${e.message ?? String(error)}${code} at ${where}`, { cause: error });
}

async function runOutsideTransaction(
  client: pg.Client,
  migration: PlannedMigration,
  statement: SqlStatement,
  startedBefore: boolean,
  settings: ApplySettings,
): Promise<number> {
  const lit = (v: string) => client.escapeLiteral(v);
  const index = statement.concurrentIndex;
  let rebuilds = 0;
  let lastFailure = '';
  for (let attempt = 0; ; attempt++) {
    // A previous run killed during this statement may have finished it, or left an INVALID index.
    if (index?.name) {
      const existing = await indexValidity(client, index.schema, index.name);
      if (existing && existing.valid && (startedBefore || attempt > 0) && statement.kind === 'IndexStmt') {
        await client.query(progressSql(client, migration, [statement], 'done'));
        return attempt;
      }
      if (existing && !existing.valid && statement.kind === 'IndexStmt') {
        if (rebuilds >= settings.maxIndexRebuilds) {
          throw new MigrationFailedError(migration.tag, statement.index, `index ${existing.schema}.${index.name} is still INVALID after ${rebuilds} rebuilds${lastFailure ? ` (last failure: ${lastFailure})` : ''}`, {
            hint: `inspect it (\\d ${existing.schema}.${index.name}), drop it with DROP INDEX CONCURRENTLY, then run \`sdk db migrate\` again`,
          });
        }
        rebuilds++;
        settings.emit({ type: 'invalid-index', index: `${existing.schema}.${index.name}`, attempt: rebuilds, action: 'drop-and-rebuild' });
        // An INVALID index still slows every write to the table and is never used by reads: drop
        // it without blocking traffic, then build it again.
        await dropIndexConcurrently(client, existing.schema, index.name, settings);
      }
      // A REINDEX CONCURRENTLY that was killed or failed leaves its INVALID new copy behind
      // (`<name>_ccnew`); running it again would add another. Drop them first, as the REINDEX
      // docs advise: https://www.postgresql.org/docs/current/sql-reindex.html#SQL-REINDEX-CONCURRENTLY
      if (statement.kind === 'ReindexStmt' && (startedBefore || attempt > 0)) {
        await dropReindexLeftovers(client, index.schema, index.name, settings);
      }
    }
    const watch = watchBlockers(client, settings);
    try {
      await client.query(progressSql(client, migration, [statement], 'started'));
      // No statement_timeout: a concurrent build does not block reads or writes and may take
      // hours on a big table. lock_timeout still bounds its wait for SHARE UPDATE EXCLUSIVE.
      await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
      const t = Date.now();
      settings.emit({ type: 'statement-start', tag: migration.tag, index: statement.index, sql: statement.sql, transactional: false });
      await client.query(statement.sql);
      settings.emit({ type: 'statement-done', tag: migration.tag, index: statement.index, durationMs: Date.now() - t });
      await watch.stop();
      await client.query(`UPDATE ${METADATA_SCHEMA}.progress SET state = 'done', updated_at = now() WHERE tag = ${lit(migration.tag)} AND statement_index = ${statement.index}`);
      return attempt;
    } catch (error) {
      const blockers = await watch.stop();
      const code = sqlState(error);
      lastFailure = (error as Error).message ?? String(error);
      // Re-running what a killed run already completed: ALTER TYPE ... ADD VALUE (the value
      // exists) or DROP INDEX CONCURRENTLY (the index is gone).
      const alreadyDone =
        (code === '42710' && statement.kind === 'AlterEnumStmt') || (code === '42704' && statement.kind === 'DropStmt');
      if (startedBefore && attempt === 0 && alreadyDone) {
        await client.query(progressSql(client, migration, [statement], 'done'));
        return attempt;
      }
      if (index?.name && statement.kind === 'ReindexStmt' && !(code && RETRYABLE.has(code))) {
        await dropReindexLeftovers(client, index.schema, index.name, settings).catch(() => {});
      }
      if (index?.name && statement.kind === 'IndexStmt' && !(code && RETRYABLE.has(code))) {
        // The build failed for a reason a retry will not fix (duplicate keys for a UNIQUE index,
        // a bad expression...). Do not leave an INVALID index behind: it slows every write.
        const leftover = await indexValidity(client, index.schema, index.name).catch(() => null);
        if (leftover && !leftover.valid) await dropIndexConcurrently(client, leftover.schema, index.name, settings).catch(() => {});
      }
      await retryOrThrow(error, attempt, migration, statement, blockers, settings);
    }
  }
}

/** Drops the INVALID `<name>_ccnew[N]` / `<name>_ccold[N]` copies an interrupted REINDEX CONCURRENTLY left. */
async function dropReindexLeftovers(client: pg.Client, schema: string | undefined, name: string, settings: ApplySettings): Promise<void> {
  for (const leftover of await reindexLeftovers(client, schema, name)) {
    settings.emit({ type: 'invalid-index', index: `${leftover.schema}.${leftover.name}`, attempt: 1, action: 'drop-and-rebuild' });
    await dropIndexConcurrently(client, leftover.schema, leftover.name, settings);
  }
}

/** DROP INDEX CONCURRENTLY: no statement_timeout (it waits for running transactions), the usual lock_timeout. */
async function dropIndexConcurrently(client: pg.Client, schema: string, name: string, settings: ApplySettings): Promise<void> {
  await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
  await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(schema)}.${quoteIdent(name)}`);
}
