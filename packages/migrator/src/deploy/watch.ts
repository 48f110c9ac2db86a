import type pg from 'pg';
import { connect } from '../db/connect.js';
import { DEFAULT_MAX_REPLICA_LAG_MS } from '../db/defaults.js';
import { ReplicaLag } from '../db/replica-lag.js';
import { tableActivity, type TableActivity } from '../db/sessions.js';
import { MigratorError } from '../errors.js';
import { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS, type HealthCheck } from '../util/health.js';

/** A session of the application waiting this long for a lock on a table the deploy touches pauses it. */
export const DEFAULT_WATCH_LOCK_WAIT_MS = 1_000;
/** A transaction holding a lock on a table the deploy touches this long pauses it: the next DDL would queue behind it. */
export const DEFAULT_WATCH_HOLDER_MS = 10_000;
/** How often the watcher samples while the migration runs. */
export const DEFAULT_WATCH_INTERVAL_MS = 1_000;
/** A pause longer than this fails the deploy, between two migrations or batches (nothing half-done). */
export const DEFAULT_MAX_PAUSE_MS = 300_000;

/** The bounds the watcher holds the deploy to; each has a default. */
export interface WatchBounds {
  /** Pause while a session waits this long for a lock on a touched table (default 1 s). */
  maxLockWaitMs?: number | undefined;
  /** Pause while a transaction holds a lock on a touched table this long (default 10 s). */
  maxHolderMs?: number | undefined;
  /** Pause while a streaming replica lags more than this (default 10 s, as the preflight). */
  maxReplicaLagMs?: number | undefined;
  /** The application's health endpoint: pause while it does not answer 2xx in time. */
  healthUrl?: string | undefined;
  /** How long a health check waits (default 2 s). */
  healthTimeoutMs?: number | undefined;
  /** Pause while the health endpoint answers slower than this (default: only a timeout counts). */
  maxHealthLatencyMs?: number | undefined;
  /** How often to sample (default 1 s). */
  intervalMs?: number | undefined;
  /** Fail the deploy when one pause lasts longer than this (default 5 minutes). */
  maxPauseMs?: number | undefined;
}

/** One reading of the watcher. */
export interface WatchSample {
  at: string;
  /** Sessions waiting for a lock on a touched table, and the longest wait (ms). */
  lockWaits: number;
  longestLockWaitMs: number;
  /** The longest running statement of another session (ms), on any table. */
  longestQueryMs: number;
  /** The oldest transaction holding a lock on a touched table (ms). */
  oldestHolderMs: number;
  /** The worst streaming replica's lag (ms); null without replicas. */
  replicaLagMs: number | null;
  health?: HealthCheck | undefined;
  /** Bounds exceeded, one line each: the deploy pauses while there is one. */
  exceeded: string[];
}

/** What the watcher saw during the migration, for the report. */
export interface WatchSummary {
  samples: number;
  /** Samples that could not be read (the watcher's connection failed): they pause nothing. */
  failedSamples: number;
  maxLockWaits: number;
  longestLockWaitMs: number;
  longestQueryMs: number;
  oldestHolderMs: number;
  /** null: no streaming replica was seen. */
  maxReplicaLagMs: number | null;
  health: { checks: number; failed: number; maxLatencyMs: number; p50LatencyMs: number } | null;
  /** Each pause: where (before which migration or batch), why, for how long. */
  pauses: Array<{ before: string; reasons: string[]; durationMs: number }>;
  pausedMs: number;
}

export type WatchEvent = { type: 'watch-sample'; sample: WatchSample } | { type: 'watch-pause'; before: string; reasons: string[] } | { type: 'watch-resume'; before: string; pausedMs: number };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Watches a deploy's migration from a connection of its own (issue 14, step 4): lock waits on
 * the tables the migrations touch, the longest query, transactions holding locks on those tables,
 * replica lag and, with a health URL, the application's health endpoint. It samples every
 * `intervalMs` for the report, and `hold` (awaited between migrations and before each backfill
 * batch, when the deploy holds no lock) takes a fresh reading and waits while a bound is exceeded.
 * The deploy's own sessions are left out of what it counts.
 */
export class DeployWatcher {
  private readonly bounds: Required<Omit<WatchBounds, 'healthUrl' | 'maxHealthLatencyMs'>> & Pick<WatchBounds, 'healthUrl' | 'maxHealthLatencyMs'>;
  private readonly replicas = new ReplicaLag();
  private readonly own = new Set<number>();
  private readonly stop = new AbortController();
  private readonly latencies: number[] = [];
  private lastHealth: HealthCheck | undefined;
  private lastHealthAt = -Infinity;
  private loop: Promise<void> | undefined;
  readonly summary: WatchSummary = {
    samples: 0,
    failedSamples: 0,
    maxLockWaits: 0,
    longestLockWaitMs: 0,
    longestQueryMs: 0,
    oldestHolderMs: 0,
    maxReplicaLagMs: null,
    health: null,
    pauses: [],
    pausedMs: 0,
  };

  private constructor(
    private readonly client: pg.Client,
    private readonly tables: readonly string[],
    bounds: WatchBounds,
    private readonly onEvent: ((event: WatchEvent) => void) | undefined,
  ) {
    this.bounds = {
      maxLockWaitMs: bounds.maxLockWaitMs ?? DEFAULT_WATCH_LOCK_WAIT_MS,
      maxHolderMs: bounds.maxHolderMs ?? DEFAULT_WATCH_HOLDER_MS,
      maxReplicaLagMs: bounds.maxReplicaLagMs ?? DEFAULT_MAX_REPLICA_LAG_MS,
      healthUrl: bounds.healthUrl,
      healthTimeoutMs: bounds.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      maxHealthLatencyMs: bounds.maxHealthLatencyMs,
      intervalMs: bounds.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      maxPauseMs: bounds.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS,
    };
    if (this.bounds.healthUrl) this.summary.health = { checks: 0, failed: 0, maxLatencyMs: 0, p50LatencyMs: 0 };
  }

  /** Connects and starts sampling; `tables`: the touched tables as `schema.table`. */
  static async start(databaseUrl: string, tables: readonly string[], bounds: WatchBounds = {}, onEvent?: (event: WatchEvent) => void): Promise<DeployWatcher> {
    const client = await connect(databaseUrl, { applicationName: 'sdk db deploy (watch)' });
    client.on('error', () => {}); // a dropped watcher connection fails its samples, never the deploy
    const watcher = new DeployWatcher(client, tables, bounds, onEvent);
    watcher.loop = watcher.run();
    return watcher;
  }

  /** Leaves `pid` (a session of the deploy itself) out of what is counted. */
  exclude(pid: number | undefined): void {
    if (pid !== undefined) this.own.add(pid);
  }

  /**
   * Waits while a bound is exceeded, reading afresh every half interval; returns at once when
   * none is. `before` names what waits (a migration, a batch), for the report.
   * @throws MigratorError `E_DEPLOY_WATCH` when one pause outlasts `maxPauseMs`.
   */
  async hold(before: string, signal: AbortSignal | undefined): Promise<void> {
    // The database afresh (the run holds no lock now, so what waits is waiting for someone else);
    // the health endpoint afresh only when the loop's last check is older than an interval.
    let sample = await this.read(performance.now() - this.lastHealthAt > this.bounds.intervalMs);
    if (!sample || sample.exceeded.length === 0) return;
    const reasons = sample.exceeded;
    const began = performance.now();
    this.onEvent?.({ type: 'watch-pause', before, reasons });
    for (;;) {
      const pausedMs = performance.now() - began;
      if (signal?.aborted) break;
      if (pausedMs > this.bounds.maxPauseMs) {
        this.recordPause(before, reasons, pausedMs);
        throw new MigratorError(
          'E_DEPLOY_WATCH',
          `the deploy waited ${Math.round(pausedMs / 1000)} s before ${before} and it did not clear: ${sample!.exceeded.join('; ')}; stopped between steps, nothing is half-done`,
          { hint: 'see who is in the way with `sdk db locks` (or the application\'s health), then deploy again: applied migrations and finished batches are kept (or allow longer pauses with `maxPauseMs`)' },
        );
      }
      await sleep(Math.max(100, this.bounds.intervalMs / 2), signal);
      sample = await this.read(true);
      if (!sample || sample.exceeded.length === 0) break;
    }
    const pausedMs = performance.now() - began;
    this.recordPause(before, reasons, pausedMs);
    this.onEvent?.({ type: 'watch-resume', before, pausedMs: Math.round(pausedMs) });
  }

  /** Stops sampling and closes the connection; the summary is final. */
  async close(): Promise<WatchSummary> {
    this.stop.abort();
    await this.loop?.catch(() => {});
    await this.client.end().catch(() => {});
    return this.summary;
  }

  private recordPause(before: string, reasons: string[], ms: number): void {
    this.summary.pauses.push({ before, reasons, durationMs: Math.round(ms) });
    this.summary.pausedMs += Math.round(ms);
  }

  /** The background sampling, for the report (and a fresh health reading for `hold`). */
  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.read(true);
      await sleep(this.bounds.intervalMs, this.stop.signal);
    }
  }

  /** One reading; `withHealth` false reuses the last health check (a check takes up to its timeout). */
  private async read(withHealth: boolean): Promise<WatchSample | undefined> {
    let activity: TableActivity;
    let lag: number;
    try {
      // One query at a time on the watcher's connection: pg queues them, so a hold while the loop reads is fine.
      activity = await tableActivity(this.client, this.tables, [...this.own]);
      lag = await this.replicas.read(this.client);
    } catch {
      this.summary.failedSamples++;
      return undefined;
    }
    if (withHealth && this.bounds.healthUrl) {
      this.lastHealth = await checkHealth(this.bounds.healthUrl, { timeoutMs: this.bounds.healthTimeoutMs, signal: this.stop.signal });
      this.lastHealthAt = performance.now();
      if (this.stop.signal.aborted) return undefined;
      const h = this.summary.health!;
      h.checks++;
      if (!this.lastHealth.ok) h.failed++;
      this.latencies.push(this.lastHealth.latencyMs);
      h.maxLatencyMs = Math.max(h.maxLatencyMs, this.lastHealth.latencyMs);
      h.p50LatencyMs = [...this.latencies].sort((a, b) => a - b)[Math.floor(this.latencies.length / 2)]!;
    }
    const b = this.bounds;
    const exceeded: string[] = [];
    const wait = activity.lockWaits[0];
    if (wait && wait.waitingMs > b.maxLockWaitMs) {
      exceeded.push(`${activity.lockWaits.length} session${activity.lockWaits.length === 1 ? '' : 's'} waiting for a lock on a table the migrations touch, the longest ${wait.waitingMs} ms (pid ${wait.pid}: ${wait.query})`);
    }
    const holder = activity.holders[0];
    if (holder && holder.transactionMs > b.maxHolderMs) {
      exceeded.push(`pid ${holder.pid} holds a lock on a table the migrations touch in a transaction open ${Math.round(holder.transactionMs / 1000)} s (${holder.state ?? 'unknown state'}: ${holder.query}): the next migration would queue behind it`);
    }
    const replicas = this.replicas.replicas > 0;
    if (replicas && lag > b.maxReplicaLagMs) exceeded.push(`a streaming replica lags ${Math.round(lag)} ms (more than ${b.maxReplicaLagMs} ms)`);
    const health = this.lastHealth;
    if (health && !health.ok) exceeded.push(`the application's health check fails: ${health.error ?? 'not ok'}`);
    else if (health && b.maxHealthLatencyMs !== undefined && health.latencyMs > b.maxHealthLatencyMs) {
      exceeded.push(`the application's health check took ${health.latencyMs} ms (more than ${b.maxHealthLatencyMs} ms)`);
    }
    const sample: WatchSample = {
      at: new Date().toISOString(),
      lockWaits: activity.lockWaits.length,
      longestLockWaitMs: wait?.waitingMs ?? 0,
      longestQueryMs: activity.longestQuery?.runningMs ?? 0,
      oldestHolderMs: holder?.transactionMs ?? 0,
      replicaLagMs: replicas ? Math.round(lag) : null,
      ...(health ? { health } : {}),
      exceeded,
    };
    const s = this.summary;
    s.samples++;
    s.maxLockWaits = Math.max(s.maxLockWaits, sample.lockWaits);
    s.longestLockWaitMs = Math.max(s.longestLockWaitMs, sample.longestLockWaitMs);
    s.longestQueryMs = Math.max(s.longestQueryMs, sample.longestQueryMs);
    s.oldestHolderMs = Math.max(s.oldestHolderMs, sample.oldestHolderMs);
    if (sample.replicaLagMs !== null) s.maxReplicaLagMs = Math.max(s.maxReplicaLagMs ?? 0, sample.replicaLagMs);
    this.onEvent?.({ type: 'watch-sample', sample });
    return sample;
  }
}

/** The summary in one line, for the migrate step's detail. */
export function describeWatch(s: WatchSummary): string {
  const parts = [
    `${s.samples} sample${s.samples === 1 ? '' : 's'}`,
    `lock waits on the touched tables: ${s.maxLockWaits === 0 ? 'none' : `up to ${s.maxLockWaits} at once, the longest ${s.longestLockWaitMs} ms`}`,
    `longest query ${s.longestQueryMs} ms`,
    `replica lag ${s.maxReplicaLagMs === null ? 'n/a (no streaming replica)' : `up to ${s.maxReplicaLagMs} ms`}`,
  ];
  if (s.health) parts.push(`health ${s.health.checks - s.health.failed}/${s.health.checks} ok, p50 ${s.health.p50LatencyMs} ms, max ${s.health.maxLatencyMs} ms`);
  parts.push(s.pauses.length === 0 ? 'no pause' : `paused ${s.pauses.length} time${s.pauses.length === 1 ? '' : 's'}, ${(s.pausedMs / 1000).toFixed(1)} s in all`);
  if (s.failedSamples > 0) parts.push(`${s.failedSamples} sample${s.failedSamples === 1 ? '' : 's'} unreadable`);
  return `watched: ${parts.join(', ')}`;
}
