import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { backfill, listBackfills, planBackfill, type BackfillEvent, type BackfillOptions, type BackfillRecord } from '@big0290/migrator';
import { interruptible } from '../interrupt.js';
import { duration, table, type Output } from '../output.js';
import type { TargetFlags } from '../options.js';
import { resolveTarget } from '../target.js';

export interface DbBackfillOptions extends TargetFlags {
  table: string;
  set: string;
  where?: string;
  name?: string;
  batchMs?: number;
  maxRowsPerBatch?: number;
  pauseMs?: number;
  maxReplicaLag?: number;
  lockTimeout?: number;
  retryFor?: number;
  throttle?: boolean;
  dryRun?: boolean;
}

/** How often a progress line is written when stderr is not a terminal. */
const LOG_EVERY_MS = 5_000;

/**
 * Backfill progress on stderr: a bar (rows walked of the table, rows changed, rows/s, ETA) on a
 * terminal; otherwise one JSON line every few seconds, for CI logs and scripts. Nothing with
 * --json unless --verbose.
 */
class BackfillProgress {
  private bar: cliProgress.SingleBar | undefined;
  private loggedAt = 0;
  private readonly log: boolean;
  constructor(private readonly out: Output) {
    this.log = (!out.json || out.verbose) && !process.stderr.isTTY;
  }

  readonly update = (event: BackfillEvent): void => {
    if (event.type === 'start' && !this.out.json) {
      this.out.info(`${event.resumed ? 'resuming' : 'starting'} backfill ${event.name} on ${event.table} (key ${event.key.join(', ')}${event.resumed ? `, ${event.rowsDone.toLocaleString('en-US')} rows done before` : ''})`);
    }
    if (event.type === 'retry' && (!this.out.json || this.out.verbose)) this.out.info(`batch lost a lock race (${event.reason}, attempt ${event.attempt}); smaller batches, next try in ${duration(event.waitMs)}`);
    if (event.type === 'replica-lag' && (!this.out.json || this.out.verbose)) this.out.info(`replica lag ${duration(event.lagMs)} > ${duration(event.maxMs)}: pausing`);
    if (event.type !== 'progress') return;
    if (this.log) {
      if (Date.now() - this.loggedAt < LOG_EVERY_MS) return;
      this.loggedAt = Date.now();
      this.out.info(JSON.stringify({ progress: event.name, rows: event.rowsDone, walked: event.rowsScanned, of: event.estimatedRows, rowsPerSecond: event.rowsPerSecond, etaMs: event.etaMs }));
      return;
    }
    if (this.out.json) return;
    if (!this.bar) {
      const bars = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
      this.bar = new bars.SingleBar(
        { stream: process.stderr, format: 'Backfill [{bar}] {percentage}% | rows {rows} | {rate} rows/s | ETA {left}', barsize: 24, hideCursor: true, clearOnComplete: true, fps: 5 },
        bars.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, event.estimatedRows), 0);
    }
    this.bar.setTotal(Math.max(1, event.estimatedRows));
    this.bar.update(Math.min(event.rowsScanned, event.estimatedRows), {
      rows: event.rowsDone.toLocaleString('en-US'),
      rate: event.rowsPerSecond.toLocaleString('en-US'),
      left: event.etaMs === null ? '…' : duration(event.etaMs),
    });
  };

  stop(): void {
    this.bar?.stop();
  }
}

/** `sdk db backfill`: changes the rows of a table that match, in batches, resumable. */
export async function dbBackfill(options: DbBackfillOptions, out: Output): Promise<number> {
  const target = await resolveTarget(options, out);
  const stop = interruptible(out);
  const progress = new BackfillProgress(out);
  const spec: BackfillOptions = {
    table: options.table,
    set: options.set,
    where: options.where,
    name: options.name,
    batchMs: options.batchMs,
    maxRowsPerBatch: options.maxRowsPerBatch,
    pauseMs: options.pauseMs,
    maxReplicaLagMs: options.maxReplicaLag,
    lockTimeoutMs: options.lockTimeout,
    retry: options.retryFor === undefined ? undefined : { retryForMs: options.retryFor },
    throttle: options.throttle,
    signal: stop.signal,
    onEvent: progress.update,
    actor: {},
  };
  try {
    if (options.dryRun) {
      const plan = await planBackfill(target.url, spec);
      if (out.json) out.resultJson(plan);
      else {
        out.result(
          [
            `Backfill ${plan.name} on ${plan.table} (key ${plan.key.join(', ')}): dry run, nothing changed.`,
            `Rows matching now: ${plan.matchingRows.toLocaleString('en-US')} of about ${plan.tableRows.toLocaleString('en-US')}`,
            `Measured here: ${plan.measuredRowsPerSecond.toLocaleString('en-US')} rows/s walked (one batch, rolled back)`,
            `Estimated duration on an idle server: ${duration(plan.estimatedMs)} (longer while the application is busy: the backfill yields to it)`,
          ].join('\n'),
        );
      }
      return 0;
    }
    const result = await backfill(target.url, spec);
    progress.stop();
    if (out.json) {
      out.resultJson({
        name: result.name,
        table: result.table,
        rows: result.rows,
        batches: result.batches,
        durationMs: result.durationMs,
        rowsPerSecond: result.rowsPerSecond,
        batchMs: result.batchMs,
        resumed: result.resumed,
        alreadyFinished: result.alreadyFinished,
      });
    } else if (result.alreadyFinished) {
      out.result(`Backfill ${result.name} had already finished (${result.rows.toLocaleString('en-US')} rows): nothing to do.`);
    } else {
      out.result(
        `Backfill ${result.name} finished: ${result.rowsThisRun.toLocaleString('en-US')} rows changed on ${result.table}${result.resumed ? ` (resumed; ${result.rows.toLocaleString('en-US')} in all)` : ''} in ${result.batches} batches, ${duration(result.durationMs)}, ${result.rowsPerSecond.toLocaleString('en-US')} rows/s; batch p50 ${result.batchMs.p50} ms, p99 ${result.batchMs.p99} ms, max ${result.batchMs.max} ms.`,
      );
    }
    return 0;
  } finally {
    progress.stop();
    stop.dispose();
    await target.close();
  }
}

/** `sdk db backfills`: every recorded backfill with its progress. */
export async function dbBackfills(options: TargetFlags, out: Output): Promise<number> {
  const target = await resolveTarget(options, out);
  try {
    const records = await listBackfills(target.url);
    if (out.json) out.resultJson({ backfills: records });
    else out.result(renderBackfills(records));
    return 0;
  } finally {
    await target.close();
  }
}

function state(r: BackfillRecord): string {
  if (r.status === 'running') return r.active ? 'running' : 'interrupted (killed)';
  return r.status;
}

export function renderBackfills(records: BackfillRecord[]): string {
  if (records.length === 0) return 'No backfills recorded in this database.';
  const rows = [['NAME', 'TABLE', 'STATE', 'ROWS', 'PROGRESS', 'UPDATED']];
  for (const r of records) {
    const progress = r.status === 'finished' ? '100%' : r.tableRows ? `${Math.min(99, Math.floor((100 * r.scanned) / Math.max(r.tableRows, 1)))}%` : '?';
    rows.push([r.name, r.table, state(r), r.rows.toLocaleString('en-US'), progress, r.updatedAt]);
  }
  const notes = records
    .filter((r) => r.status !== 'finished' && !r.active)
    .map((r) => `${r.name}: ${r.error ? `failed: ${r.error}; ` : ''}run the same sdk db backfill again to resume after its last batch`);
  return [table(rows), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
