import type pg from 'pg';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRY_FOR_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from '../db/defaults.js';
import { RetryBudget, retryReason, sleep } from '../db/lock-retry.js';
import { METADATA_SCHEMA } from '../db/metadata.js';
import { ReplicaLag } from '../db/replica-lag.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { currentActor } from '../util/actor.js';
import { backfillHolder, ensureBackfillMetadata, readCheckpoint, tryLockBackfill, unlockBackfill } from './checkpoint.js';
import { checkCopySpec, checkSpec, copyHash, copySelect, defaultName, specHash } from './spec.js';
import { copyTarget, keyedTable, type KeyedTable } from './table.js';
import type { BackfillDryRun, BackfillEvent, BackfillResult, BackfillSettings, BackfillSpec, CopySpec } from './types.js';

type Client = pg.ClientBase;

export const DEFAULT_BATCH_MS = 100;
export const DEFAULT_MAX_ROWS_PER_BATCH = 50_000;
export const DEFAULT_FIRST_BATCH_ROWS = 1_000;
/** How often a progress event is emitted (ms). */
const PROGRESS_EVERY_MS = 2_000;
const S = METADATA_SCHEMA;

/** What a run writes in each batch: the rows of the batch updated in place (a backfill), or copied into another table. */
type Work = { kind: 'update'; spec: BackfillSpec } | { kind: 'copy'; spec: CopySpec };

interface Prepared {
  table: KeyedTable;
  name: string;
  hash: string;
  sql: BatchSql;
  /** What the checkpoint row records beside the table and the key. */
  record: { set: string; where: string | null; into: string | null };
  /** `backfill` or `copy`, and what it did to a row, for messages. */
  noun: string;
  done: string;
}

async function prepare(client: Client, work: Work, settings: BackfillSettings): Promise<Prepared> {
  const table = await keyedTable(client, work.spec.table);
  if (work.kind === 'update') {
    const spec = work.spec;
    await checkSpec(spec, table.sql);
    const hash = specHash(table.display, spec);
    return {
      table,
      hash,
      name: settings.name ?? defaultName(table.display, hash),
      sql: new BatchSql(table, updateStatement(table, spec), spec.params ?? []),
      record: { set: spec.set.trim(), where: spec.where?.trim() || null, into: null },
      noun: 'backfill',
      done: 'changed',
    };
  }
  const spec = work.spec;
  const into = await copyTarget(client, spec.into);
  if (into.oid === table.oid) {
    throw new MigratorError('E_BACKFILL_SPEC', `the copy reads and writes ${table.display}: give the new table as its target`, { hint: 'copy into another table, e.g. the one rewrite-table\'s expand migration created' });
  }
  await checkCopySpec(spec, table.sql, into.sql);
  const hash = copyHash(table.display, into.display, into.oid, spec);
  return {
    table,
    hash,
    name: settings.name ?? defaultName(`${table.display}->${into.display}`, hash),
    sql: new BatchSql(table, copyStatement(table, into.sql, spec), []),
    record: { set: `(${spec.columns.map((c) => c.trim()).join(', ')}) SELECT ${copySelect(spec).map((e) => e.trim()).join(', ')}`, where: null, into: into.display },
    noun: 'copy',
    done: 'copied',
  };
}

/** The UPDATE of a batch: the SET list on the rows of the key range that still match `where` (re-checked in every batch). */
function updateStatement(table: KeyedTable, spec: BackfillSpec): (range: string[]) => string {
  return (range) => {
    const conditions = spec.where?.trim() ? [...range, `(${spec.where})`] : range;
    return `UPDATE ${table.sql} SET ${spec.set}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
  };
}

/**
 * The INSERT ... SELECT of a copy's batch. FOR SHARE: a concurrent UPDATE or DELETE of a row of
 * the range waits until the batch commits, so a trigger that mirrors it into the target finds the
 * copied row there and replaces or deletes it; and a row such a write changed before the batch
 * locked it is copied as it is now (READ COMMITTED re-reads a row it had to wait for). ON CONFLICT
 * DO NOTHING: a row the trigger wrote into the target first is at least as new as the source's.
 * https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
 */
function copyStatement(table: KeyedTable, intoSql: string, spec: CopySpec): (range: string[]) => string {
  const key = table.key.map(quoteIdent).join(', ');
  return (range) =>
    `INSERT INTO ${intoSql} (${spec.columns.join(', ')}) SELECT ${copySelect(spec).join(', ')} FROM ${table.sql}${range.length ? ` WHERE ${range.join(' AND ')}` : ''} ORDER BY ${key} FOR SHARE ON CONFLICT DO NOTHING`;
}

/** SQL for one batch of the walk, with the statement's own parameters first ($1..$p) and the keys after. */
class BatchSql {
  private readonly cols: string;
  private readonly p: number;
  constructor(
    private readonly table: KeyedTable,
    private readonly statement: (range: string[]) => string,
    private readonly params: readonly unknown[],
  ) {
    this.cols = table.key.map(quoteIdent).join(', ');
    this.p = params.length;
  }

  private tuple(from: number): string {
    return `(${this.table.keyTypes.map((type, i) => `$${from + i}::${type}`).join(', ')})`;
  }

  /** The key of the last row of the next `rows` rows after `last`, or none when fewer remain. */
  bound(last: string[] | null, rows: number): { text: string; values: unknown[] } {
    const after = last ? `WHERE (${this.cols}) > ${this.tuple(1)}` : '';
    // Aliased: a bare output name would make ORDER BY sort by the text, not the key.
    const text = `SELECT ${this.table.key.map((c, i) => `${quoteIdent(c)}::text AS "sdk key ${i}"`).join(', ')},
        (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database())::int AS "sdk busy"
      FROM ${this.table.sql} ${after} ORDER BY ${this.cols} LIMIT 1 OFFSET ${Math.max(0, rows - 1)}`;
    return { text, values: last ?? [] };
  }

  /** The busy count alone, when the bound found no row. */
  readonly busy = `SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()`;

  /** The batch's write over the keys after `last` up to `bound` (to the end when null). */
  write(last: string[] | null, bound: string[] | null): { text: string; values: unknown[] } {
    const k = this.table.key.length;
    const range: string[] = [];
    const values: unknown[] = [...this.params];
    if (last) {
      range.push(`(${this.cols}) > ${this.tuple(this.p + 1)}`);
      values.push(...last);
    }
    if (bound) {
      range.push(`(${this.cols}) <= ${this.tuple(this.p + 1 + (last ? k : 0))}`);
      values.push(...bound);
    }
    return { text: this.statement(range), values };
  }
}

/** Batch sizes aim at this share of the target duration, so that a slow batch (a checkpoint, autovacuum on the table) still ends near the target. */
const PACE_AIM = 0.7;
/** Rest after a batch, as a multiple of its duration, while other sessions are running queries all the time: about a third of the time working. */
const PACE_REST_WHEN_BUSY = 2;
/** A batch this much slower than the best rate seen (0.5: half again as long) adds to the rest while others are busy. */
const PACE_SLOWDOWN_FREE = 0.5;
const PACE_MAX_REST_FACTOR = 3;

/**
 * Adapts the batch size to a target duration and decides how long to rest after each batch. An
 * idle server gets batches back to back, with no rest at all; while other sessions are running
 * queries (sampled with every batch), the backfill rests about twice as long as each batch took,
 * more when batches slow down against the best rate seen (gh-ost's idea: yield to the
 * application, keep going when it is quiet). The rest only comes from other sessions: a batch slowed
 * by a checkpoint or autovacuum on an idle server makes the next one smaller, not a pause.
 */
export class Pace {
  rows: number;
  private bestRate = 0;
  private busyShare = 0;
  constructor(
    private readonly targetMs: number,
    private readonly maxRows: number,
    firstRows: number,
    private readonly throttle: boolean,
  ) {
    this.rows = Math.max(1, Math.min(firstRows, maxRows));
  }

  /** After a committed batch that scanned `scanned` rows in `ms`, seeing `busy` other active sessions: the rest before the next one (ms). */
  after(scanned: number, ms: number, busy: number): number {
    const took = Math.max(1, ms);
    const rate = scanned / took;
    this.bestRate = Math.max(rate, this.bestRate * 0.99);
    // Next size: toward the aimed duration, at most doubling or halving per batch.
    if (scanned >= this.rows) {
      const ideal = (this.rows * this.targetMs * PACE_AIM) / took;
      this.rows = Math.round(Math.max(1, Math.min(this.maxRows, Math.min(this.rows * 2, Math.max(this.rows / 2, ideal)))));
    }
    if (!this.throttle) return 0;
    this.busyShare = this.busyShare * 0.7 + (busy > 0 ? 0.3 : 0);
    // Nobody else has been seen running a query for a while: flat out.
    if (this.busyShare < 0.1) return 0;
    const slowdown = this.bestRate > 0 && rate > 0 ? Math.max(0, this.bestRate / rate - 1) : 0;
    const factor = Math.min(PACE_MAX_REST_FACTOR, this.busyShare * (PACE_REST_WHEN_BUSY + Math.max(0, slowdown - PACE_SLOWDOWN_FREE)));
    return Math.round(took * factor);
  }

  /** A batch lost a lock race: smaller batches hold their row locks for less time. */
  contended(): void {
    this.rows = Math.max(1, Math.round(this.rows / 2));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Runs a backfill on `client` (a session of its own: it takes a session advisory lock). Keyset
 * batches in key order; each batch is one short transaction that updates the rows of its key
 * range still matching `where` and records the checkpoint, so a killed run resumes after the last
 * committed batch and never applies a batch twice.
 */
export async function runBackfill(client: Client, spec: BackfillSpec, settings: BackfillSettings = {}): Promise<BackfillResult> {
  return run(client, { kind: 'update', spec }, settings);
}

/**
 * Runs a copy on `client`: the same walk, checkpoints, pacing, replica-lag pauses and retries as
 * runBackfill, each batch inserting the rows of its key range into the target instead of
 * updating them (CopySpec says how it stays right while the application writes).
 */
export async function runCopy(client: Client, spec: CopySpec, settings: BackfillSettings = {}): Promise<BackfillResult> {
  return run(client, { kind: 'copy', spec }, settings);
}

async function run(client: Client, work: Work, settings: BackfillSettings): Promise<BackfillResult> {
  const emit = (event: BackfillEvent) => settings.onEvent?.(event);
  await ensureBackfillMetadata(client);
  const { table, name, hash, sql, record, noun, done } = await prepare(client, work, settings);
  if (!(await tryLockBackfill(client, name))) {
    const holder = await backfillHolder(client, name);
    throw new MigratorError('E_BACKFILL_RUNNING', `${noun} ${name} is running in another session${holder ? ` (pid ${holder.pid}${holder.application ? `, ${holder.application}` : ''})` : ''}`, {
      hint: 'wait for it to finish (sdk db backfills shows its progress), or stop it; running it twice at once would do nothing faster',
    });
  }
  const startedAt = Date.now();
  const batchTimes: number[] = [];
  let rowsThisRun = 0;
  try {
    const existing = await readCheckpoint(client, name);
    if (existing && existing.specHash !== hash) {
      const was = existing.record.into
        ? `a copy into ${existing.record.into} ${existing.record.set}`
        : `SET ${existing.record.set}${existing.record.where ? ` WHERE ${existing.record.where}` : ''}`;
      throw new MigratorError('E_BACKFILL_CHANGED', `${noun} ${name} was recorded for another change (${existing.record.table}: ${was})`, {
        hint:
          record.into && existing.record.into === record.into
            ? `${record.into} was created again since that copy ran (a rewrite rolled back and started over): give this copy another name, so every row is copied into the new table`
            : `give this ${noun} another name, or run the recorded one again unchanged to resume it`,
      });
    }
    if (existing?.record.status === 'finished') {
      emit({ type: 'done', name, alreadyFinished: true });
      const r = existing.record;
      return {
        name,
        table: table.display,
        rows: r.rows,
        rowsThisRun: 0,
        batches: r.batches,
        durationMs: r.durationMs,
        rowsPerSecond: r.durationMs > 0 ? Math.round((r.rows * 1000) / r.durationMs) : 0,
        batchMs: { p50: 0, p99: 0, max: 0 },
        resumed: false,
        alreadyFinished: true,
      };
    }
    const actor = currentActor(settings.actor ?? {});
    const resumed = existing !== undefined && (existing.record.batches > 0 || existing.lastKey !== null);
    if (existing) {
      await client.query(`UPDATE ${S}.backfills SET status = 'running', error = NULL, updated_at = now(), os_user = $2, host = $3 WHERE name = $1`, [name, actor.user, actor.host]);
    } else {
      await client.query(
        `INSERT INTO ${S}.backfills (name, table_name, set_sql, where_sql, into_table, spec_hash, key_columns, status, os_user, host) VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9)`,
        [name, table.display, record.set, record.where, record.into, hash, table.key, actor.user, actor.host],
      );
    }
    let last = existing?.lastKey ?? null;
    let rowsDone = existing?.record.rows ?? 0;
    let scanned = existing?.record.scanned ?? 0;
    let batches = existing?.record.batches ?? 0;
    const earlierMs = existing?.record.durationMs ?? 0;
    emit({ type: 'start', name, table: table.display, key: table.key, resumed, rowsDone, estimatedRows: table.estimatedRows });

    const pace = new Pace(settings.batchMs ?? DEFAULT_BATCH_MS, settings.maxRowsPerBatch ?? DEFAULT_MAX_ROWS_PER_BATCH, settings.firstBatchRows ?? DEFAULT_FIRST_BATCH_ROWS, settings.throttle ?? true);
    const lockTimeoutMs = Math.round(settings.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    const statementTimeoutMs = Math.round(settings.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
    let lastProgress = Date.now();
    let scannedThisRun = 0;
    const replicas = new ReplicaLag();
    for (;;) {
      if (settings.signal?.aborted) {
        await client.query(`UPDATE ${S}.backfills SET status = 'interrupted', updated_at = now() WHERE name = $1`, [name]);
        throw new MigratorError('E_INTERRUPTED', `${noun} ${name} stopped after batch ${batches}: ${rowsDone} rows ${done} so far, every batch committed`, {
          hint: 'run the same command again to resume after the last batch',
        });
      }
      if (settings.maxReplicaLagMs !== undefined) {
        for (let lag = await replicas.read(client); lag > settings.maxReplicaLagMs && !settings.signal?.aborted; lag = await replicas.read(client)) {
          emit({ type: 'replica-lag', name, lagMs: Math.round(lag), maxMs: settings.maxReplicaLagMs });
          await sleep(500, settings.signal);
        }
        if (settings.signal?.aborted) continue;
      }
      if (settings.hold) {
        await settings.hold(settings.signal);
        if (settings.signal?.aborted) continue;
      }

      const budget = new RetryBudget(settings.retry ?? { retryForMs: DEFAULT_RETRY_FOR_MS });
      let outcome: { changed: number; scannedRows: number; bound: string[] | null; busy: number; ms: number } | undefined;
      while (!outcome) {
        const size = pace.rows;
        const began = performance.now();
        try {
          await client.query(`BEGIN; SET LOCAL lock_timeout = ${lockTimeoutMs}; SET LOCAL statement_timeout = ${statementTimeoutMs}`);
          const b = sql.bound(last, size);
          const found = await client.query({ text: b.text, values: b.values, rowMode: 'array' });
          const row = found.rows[0] as unknown[] | undefined;
          const bound = row ? (row.slice(0, table.key.length) as string[]) : null;
          const busy = row ? Number(row[table.key.length]) : (await client.query<{ n: number }>(sql.busy)).rows[0]!.n;
          const w = sql.write(last, bound);
          const written = await client.query(w.text, w.values);
          const changed = written.rowCount ?? 0;
          // Rows walked: the batch size, or, for the last batch, at most that.
          const scannedRows = bound ? size : Math.min(size, changed);
          await client.query(
            `UPDATE ${S}.backfills SET last_key = $2, rows_changed = rows_changed + $3, rows_scanned = rows_scanned + $4, batches = batches + 1,
                    duration_ms = $5, updated_at = now() WHERE name = $1`,
            [name, bound ?? last, changed, scannedRows, earlierMs + (Date.now() - startedAt)],
          );
          await client.query('COMMIT');
          outcome = { changed, scannedRows, bound, busy, ms: performance.now() - began };
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          const reason = retryReason(error);
          if (!reason) throw error;
          const wait = budget.next();
          if (wait === undefined) throw error;
          pace.contended();
          emit({ type: 'retry', name, reason, attempt: budget.failures, waitMs: wait });
          await sleep(wait, settings.signal);
        }
      }
      batches++;
      rowsDone += outcome.changed;
      rowsThisRun += outcome.changed;
      scanned += outcome.scannedRows;
      scannedThisRun += outcome.scannedRows;
      batchTimes.push(outcome.ms);
      const rest = outcome.bound ? pace.after(outcome.scannedRows, outcome.ms, outcome.busy) + (settings.pauseMs ?? 0) : 0;
      emit({ type: 'batch', name, batch: batches, rows: outcome.changed, scanned: outcome.scannedRows, ms: Math.round(outcome.ms), nextSize: pace.rows, restMs: rest });
      last = outcome.bound;
      if (!outcome.bound) break;
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        const elapsed = Date.now() - startedAt;
        const rate = elapsed > 0 ? (scannedThisRun * 1000) / elapsed : 0;
        const left = Math.max(0, table.estimatedRows - scanned);
        emit({
          type: 'progress',
          name,
          rowsDone,
          rowsScanned: scanned,
          estimatedRows: Math.max(table.estimatedRows, scanned),
          rowsPerSecond: Math.round(elapsed > 0 ? (rowsThisRun * 1000) / elapsed : 0),
          etaMs: rate > 0 && table.estimatedRows > 0 ? Math.round((left * 1000) / rate) : null,
        });
      }
      if (rest > 0) await sleep(rest, settings.signal);
    }
    const durationMs = Date.now() - startedAt;
    await client.query(`UPDATE ${S}.backfills SET status = 'finished', finished_at = now(), updated_at = now(), duration_ms = $2 WHERE name = $1`, [name, earlierMs + durationMs]);
    emit({ type: 'done', name, alreadyFinished: false });
    const sorted = [...batchTimes].sort((a, b) => a - b);
    return {
      name,
      table: table.display,
      rows: rowsDone,
      rowsThisRun,
      batches,
      durationMs,
      rowsPerSecond: durationMs > 0 ? Math.round((rowsThisRun * 1000) / durationMs) : rowsThisRun,
      batchMs: { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? 0) },
      resumed,
      alreadyFinished: false,
    };
  } catch (error) {
    if (error instanceof MigratorError && ['E_INTERRUPTED', 'E_BACKFILL_CHANGED'].includes(error.code)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    await client
      .query(`UPDATE ${S}.backfills SET status = 'failed', error = $2, updated_at = now() WHERE name = $1 AND status = 'running'`, [name, message])
      .catch(() => {});
    if (error instanceof MigratorError) throw error;
    const reason = retryReason(error);
    throw new MigratorError('E_BACKFILL_FAILED', `${noun} ${name} failed${reason ? ' (lock conflicts outlasted the retries)' : ''}: ${message}; the batches before it are committed`, {
      cause: error,
      hint: reason
        ? 'let the blocking sessions finish, then run the same command again to resume'
        : 'fix the SET list or the WHERE condition (under another name), or the data, then run again; sdk db backfills shows where it stopped',
    });
  } finally {
    await unlockBackfill(client, name).catch(() => {});
  }
}

/**
 * A dry run: counts the rows that match now, and times one batch on this server, rolled back,
 * to estimate how long the backfill takes.
 */
export async function dryRunBackfill(client: Client, spec: BackfillSpec, settings: BackfillSettings = {}): Promise<BackfillDryRun> {
  const { table, name, sql } = await prepare(client, { kind: 'update', spec }, settings);
  const where = spec.where?.trim() ? ` WHERE ${spec.where}` : '';
  // The SET list's parameters come first ($1..$s): the count takes the WHERE's alone, renumbered.
  const s = spec.setParams ?? 0;
  const whereOnly = s > 0 ? where.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) - s}`) : where;
  const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table.sql}${whereOnly}`, (spec.params ?? []).slice(s));
  const matchingRows = Number(rows[0]!.n);
  const size = Math.min(settings.maxRowsPerBatch ?? DEFAULT_MAX_ROWS_PER_BATCH, 10_000);
  let measuredRowsPerSecond = 0;
  await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.round(settings.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS)}`);
  try {
    const began = performance.now();
    const b = sql.bound(null, size);
    const found = await client.query({ text: b.text, values: b.values, rowMode: 'array' });
    const row = found.rows[0] as unknown[] | undefined;
    const bound = row ? (row.slice(0, table.key.length) as string[]) : null;
    const w = sql.write(null, bound);
    const updated = await client.query(w.text, w.values);
    const ms = performance.now() - began;
    const walked = bound ? size : Math.max(updated.rowCount ?? 0, 1);
    measuredRowsPerSecond = Math.round((walked * 1000) / Math.max(ms, 0.001));
  } finally {
    await client.query('ROLLBACK');
  }
  const tableRows = Math.max(table.estimatedRows, matchingRows);
  return {
    name,
    table: table.display,
    key: table.key,
    matchingRows,
    tableRows,
    measuredRowsPerSecond,
    // The walk covers every row of the table, changing those that match.
    estimatedMs: measuredRowsPerSecond > 0 ? Math.round((tableRows * 1000) / measuredRowsPerSecond) : 0,
  };
}
