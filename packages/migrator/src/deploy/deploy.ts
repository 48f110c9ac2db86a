import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { backup, verifyBackup } from '../backup/index.js';
import { connect } from '../db/connect.js';
import { setMaintenance } from '../db/maintenance.js';
import { migrate } from '../data-migrations/index.js';
import { isMigratorError } from '../errors.js';
import { checkHealth } from '../util/health.js';
import { notify } from '../util/notify.js';
import { redactText, redactUrl } from '../util/redact.js';
import { parseWindow } from '../util/window.js';
import { finishDeployRecord, recordDeployBackup, startDeployRecord } from './audit.js';
import { preflight } from './preflight.js';
import { DeployRefusedError } from './refused.js';
import { DEPLOY_STEPS, type DeployEvent, type DeployOptions, type DeployReport, type DeployStep, type DeployStepName } from './types.js';
import { verifyDeploy } from './verify.js';
import { DeployWatcher, describeWatch, type WatchEvent } from './watch.js';

/** Spans go to whatever OpenTelemetry SDK the application registered; without one they cost nothing. */
const tracer = trace.getTracer('@big0290/migrator');

/** Distributes `Omit` over a union (the event without its time). */
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

/** A step's work: what it says when it is done, and what it found wrong (which fails it). */
type StepOutcome = { detail: string; problems?: string[] | undefined };

/** `sdk db restore '<path>'`: the restore of the pre-deploy backup, quoted for a POSIX shell. */
export function rollbackCommand(path: string): string {
  return `sdk db restore ${/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`}`;
}

class StepFailed extends Error {
  constructor(readonly outcome: StepOutcome) {
    super(outcome.detail);
  }
}

/**
 * The guide's deploy checklist as one call: preflight (refuses, changing nothing, unless `force`),
 * a backup proven to restore, the maintenance flag on when asked, `migrate` with its phase and data
 * migrations, verification of the result, the flag off again whatever happened. Each step is
 * recorded with its outcome and duration. A failure after the preflight does not throw: the report
 * says `ok: false`, which step failed, and the command that restores the pre-deploy backup.
 * With `notifyUrl`, a webhook is told when it starts, succeeds or fails (never failing the deploy).
 *
 * @throws DeployRefusedError (`E_DEPLOY_PREFLIGHT`) when the preflight finds problems (nothing was changed).
 * @throws MigratorError `E_WINDOW` for a `window` that does not parse.
 * @example
 * const report = await deploy({ databaseUrl, migrationsFolder, backupDir: '/backups', phase: 'expand' });
 * if (!report.ok) console.error(`failed; to go back: ${report.rollback}`);
 */
export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const started = performance.now();
  const phase = options.phase ?? 'all';
  const window = options.window === undefined ? undefined : parseWindow(options.window);
  const target = redactUrl(options.databaseUrl);
  const database = databaseName(options.databaseUrl);
  const report: DeployReport = { ok: false, target, phase, steps: [], backup: { path: null, verified: false }, rollback: null, applied: [], remaining: [], notifications: [], watch: null, durationMs: 0 };
  const emit = (event: WithoutAt<DeployEvent>) => options.onDeployEvent?.({ at: new Date().toISOString(), ...event } as DeployEvent);
  // One span for the deploy, one child per step; the runner's events and the watcher's pauses are
  // span events of the step they happen in.
  const root = tracer.startSpan('sdk.deploy', { attributes: { 'db.system': 'postgresql', ...(database ? { 'db.namespace': database } : {}), 'sdk.deploy.phase': phase } });
  let current: Span | undefined;
  emit({ type: 'deploy-start', phase, target });

  const tell = async (status: 'start' | 'success' | 'failure', summary: string) => {
    if (!options.notifyUrl) return;
    const sent = await notify(options.notifyUrl, { status, summary, target: database }, options.notifyOptions);
    report.notifications.push({ event: status, ...sent });
    emit({ type: 'notification', event: status, ...sent });
    root.addEvent('notification', { 'sdk.notification.event': status, 'sdk.notification.delivered': sent.delivered });
  };
  const record = (step: DeployStep) => {
    report.steps.push(step);
    options.onStep?.(step);
    emit({ type: 'step-end', step });
  };
  /** Runs one step and records it; a thrown error or a problem found fails it. */
  const step = async (name: DeployStepName, work: () => Promise<StepOutcome>): Promise<boolean> => {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    emit({ type: 'step-start', step: name });
    const span = tracer.startSpan(`sdk.deploy.${name}`, {}, trace.setSpan(context.active(), root));
    current = span;
    try {
      const outcome = await work();
      record({ name, status: 'ok', durationMs: ms(), detail: outcome.detail, ...(outcome.problems?.length ? { problems: outcome.problems } : {}) });
      span.setAttribute('sdk.deploy.step.detail', outcome.detail);
      return true;
    } catch (error) {
      const outcome = error instanceof StepFailed ? error.outcome : { detail: redactText(error instanceof Error ? error.message : String(error)) };
      record({ name, status: 'failed', durationMs: ms(), detail: outcome.detail, ...(outcome.problems?.length ? { problems: outcome.problems } : {}) });
      // The first failure is the deploy's error; a later one (the flag left on) is in its step.
      report.error ??= {
        step: name,
        code: isMigratorError(error) ? error.code : null,
        message: outcome.detail,
        hint: isMigratorError(error) && error.hint ? error.hint : null,
      };
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.detail });
      if (outcome.problems?.length) span.setAttribute('sdk.deploy.step.problems', outcome.problems);
      return false;
    } finally {
      span.end();
      current = undefined;
    }
  };
  const skipRest = (why: string) => {
    for (const name of DEPLOY_STEPS) {
      const notAsked = !options.maintenance && (name === 'maintenance-on' || name === 'maintenance-off');
      if (!report.steps.some((s) => s.name === name)) record({ name, status: 'skipped', durationMs: 0, detail: notAsked ? 'not asked for' : why });
    }
  };
  const finish = () => {
    report.steps.sort((a, b) => DEPLOY_STEPS.indexOf(a.name) - DEPLOY_STEPS.indexOf(b.name));
    report.durationMs = Math.round(performance.now() - started);
    emit({ type: 'deploy-end', ok: report.ok, durationMs: report.durationMs, rollback: report.rollback });
    root.setAttributes({ 'sdk.deploy.ok': report.ok, 'sdk.deploy.applied': report.applied.length, ...(report.backup.path ? { 'sdk.deploy.backup': report.backup.path } : {}) });
    if (!report.ok) root.setStatus({ code: SpanStatusCode.ERROR, message: report.error ? `${report.error.step}: ${report.error.message}` : 'failed' });
    root.end();
    return report;
  };

  await tell('start', `deploy (phase ${phase}) started`);

  // 1. Preflight: read only. A database it cannot read refuses even with `force`.
  let toRun: string[] = [];
  let touched: string[] = [];
  let problems: string[] = [];
  const preflightOk = await step('preflight', async () => {
    const found = await preflight({
      databaseUrl: options.databaseUrl,
      migrationsFolder: options.migrationsFolder,
      phase,
      allowLintErrors: options.allowLintErrors ?? false,
      longTransactionMs: options.longTransactionMs,
      maxReplicaLagMs: options.maxReplicaLagMs,
      window,
      now: (options.now ?? (() => new Date()))(),
      healthUrl: options.healthUrl,
      healthTimeoutMs: options.healthTimeoutMs,
    });
    toRun = found.toRun.map((m) => m.tag);
    touched = found.touched;
    problems = found.problems;
    const pending = `${found.toRun.length} migration${found.toRun.length === 1 ? '' : 's'} to apply${found.pending > found.toRun.length ? ` (${found.pending - found.toRun.length} held back by phase ${phase})` : ''}`;
    const detail = `PostgreSQL ${found.serverVersion}, ${pending}${found.notes.length > 0 ? `; ${found.notes.join('; ')}` : ''}`;
    if (problems.length === 0) return { detail };
    if (options.force) return { detail: `${detail}; forced past ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems };
    throw new StepFailed({ detail: `${detail}; ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems });
  });
  if (!preflightOk) {
    skipRest('not run: refused at preflight');
    const failed = report.steps[0]!;
    const cause = report.error;
    const list = failed.problems ?? [cause?.hint ? `${failed.detail}; ${cause.hint}` : failed.detail];
    const refused = new DeployRefusedError(list, report, { forcible: failed.problems !== undefined });
    report.error = { step: 'preflight', code: refused.code, message: list.join('; '), hint: refused.hint ?? null };
    await tell('failure', `refused at preflight, nothing was changed: ${list.join('; ')}`);
    finish();
    throw refused;
  }

  // The audit record (history, phase deploy): started here, finished with the outcome. Best effort:
  // a database that cannot take it fails the backup step anyway.
  const auditId = await startDeployRecord(options.databaseUrl).catch(() => null);

  // 2. Backup, proven to restore before anything changes.
  let ok = await step('backup', async () => {
    const made = await backup({ databaseUrl: options.databaseUrl, backupDir: options.backupDir, pgBinDir: options.pgBinDir, onProgress: options.onBackupProgress, signal: options.signal });
    report.backup = { path: made.path, verified: false };
    await verifyBackup({ path: made.path, databaseUrl: options.databaseUrl, scratchUrl: options.scratchUrl, pgBinDir: options.pgBinDir, onProgress: options.onBackupProgress, signal: options.signal });
    report.backup.verified = true;
    if (auditId !== null) await recordDeployBackup(options.databaseUrl, auditId, made.path).catch(() => {});
    // Only a backup proven to restore is offered as the way back.
    report.rollback = rollbackCommand(made.path);
    return { detail: `${made.path} (verified: it restores, with the same tables and row counts)` };
  });

  // 3-5. Maintenance flag, migrate, verify; the flag goes off again whatever happened.
  let flagOn = false;
  if (ok && options.maintenance) {
    ok = await step('maintenance-on', async () => {
      await setMaintenance({ databaseUrl: options.databaseUrl, enabled: true, message: options.maintenanceMessage });
      flagOn = true;
      return { detail: 'the application sees the maintenance flag on' };
    });
  } else if (ok) record({ name: 'maintenance-on', status: 'skipped', durationMs: 0, detail: 'not asked for' });

  if (ok) {
    ok = await step('migrate', async () => {
      // The watcher: its own connection, sampling while the runner works; between migrations and
      // before each backfill batch (no lock held) it holds the run while a bound is exceeded.
      const onWatch = (event: WatchEvent) => {
        emit(event);
        if (event.type === 'watch-pause') current?.addEvent('paused', { 'sdk.watch.before': event.before, 'sdk.watch.reasons': event.reasons });
        if (event.type === 'watch-resume') current?.addEvent('resumed', { 'sdk.watch.before': event.before, 'sdk.watch.paused_ms': event.pausedMs });
      };
      const watcher = await DeployWatcher.start(options.databaseUrl, touched, { ...options.watch, healthUrl: options.healthUrl, healthTimeoutMs: options.healthTimeoutMs, maxReplicaLagMs: options.maxReplicaLagMs }, onWatch);
      let result;
      try {
        result = await migrate({
          databaseUrl: options.databaseUrl,
          migrationsFolder: options.migrationsFolder,
          dataMigrationsFolder: options.dataMigrationsFolder,
          phase,
          lockTimeoutMs: options.lockTimeoutMs,
          retryForMs: options.retryForMs,
          advisoryLockWaitMs: options.advisoryLockWaitMs,
          signal: options.signal,
          between: async ({ client, justApplied, signal }) => {
            watcher.exclude((client as unknown as { processID?: number }).processID);
            await watcher.hold(justApplied ? `what follows ${justApplied}` : 'the first migration', signal);
          },
          hold: (signal) => watcher.hold('a backfill batch', signal),
          onEvent: (event) => {
            options.onEvent?.(event);
            emit({ type: 'migration', event });
            if (event.type === 'migration-start' || event.type === 'retry') current?.addEvent(event.type, { 'sdk.migration': event.tag });
          },
          onBackfillEvent: (event) => emit({ type: 'backfill', event }),
        });
      } finally {
        report.watch = await watcher.close();
      }
      report.applied = result.applied.map((a) => a.tag);
      report.remaining = result.remaining;
      const held = result.stopped?.reason === 'phase' ? `; stopped before ${result.stopped.beforeTag} (contract), ${result.remaining.length} held back` : '';
      return { detail: `${report.applied.length} migration${report.applied.length === 1 ? '' : 's'} applied${report.applied.length ? `: ${report.applied.join(', ')}` : ''}${held}; ${describeWatch(report.watch)}` };
    });
  }

  if (ok) {
    ok = await step('verify', async () => {
      const client = await connect(options.databaseUrl, { applicationName: 'sdk db deploy' });
      try {
        const found = await verifyDeploy(client, {
          databaseUrl: options.databaseUrl,
          migrationsFolder: options.migrationsFolder,
          dataMigrationsFolder: options.dataMigrationsFolder,
          heldBack: report.remaining,
          smokeSql: options.smokeSql,
        });
        if (options.healthUrl) {
          const health = await checkHealth(options.healthUrl, { timeoutMs: options.healthTimeoutMs });
          if (health.ok) found.checked.push(`health HTTP ${health.status} in ${health.latencyMs} ms`);
          else found.problems.push(`the application's health check fails after the migration: ${health.error}`);
        }
        if (found.problems.length > 0) throw new StepFailed({ detail: `${found.problems.length} problem${found.problems.length === 1 ? '' : 's'} found`, problems: found.problems });
        return { detail: found.checked.join(', ') };
      } finally {
        await client.end().catch(() => {});
      }
    });
  }

  if (flagOn) {
    const off = await step('maintenance-off', async () => {
      await setMaintenance({ databaseUrl: options.databaseUrl, enabled: false });
      return { detail: 'the application sees the maintenance flag off' };
    });
    // Keep the first failure as the deploy's error; a flag left on is one more thing to fix.
    ok = ok && off;
  }
  skipRest(ok ? 'not asked for' : 'not run: an earlier step failed');
  report.ok = ok;
  const seconds = `${Math.round((performance.now() - started) / 1000)} s`;
  if (ok) {
    await tell('success', `${report.applied.length} migration${report.applied.length === 1 ? '' : 's'} applied (phase ${phase}), backup verified, ${seconds}`);
  } else {
    const failed = report.steps.find((s) => s.status === 'failed');
    await tell('failure', `${failed?.name ?? 'a step'} failed: ${failed?.detail ?? ''}${report.rollback ? `; to go back: ${report.rollback}` : ''}`);
  }
  if (auditId !== null) {
    const error = report.error ? `${report.error.step}: ${report.error.message}` : null;
    await finishDeployRecord(options.databaseUrl, auditId, { ok, applied: report.applied, error }).catch(() => {});
  }
  return finish();
}

/**
 * Exports the spans a registered OpenTelemetry SDK still holds: a short-lived process (the CLI)
 * ends before a batching processor's timer fires, and those spans would be lost. Best effort,
 * bounded by `timeoutMs`; nothing to do without an SDK.
 */
export async function flushSpans(timeoutMs = 5_000): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const registered = (provider.getDelegate?.() ?? provider) as { forceFlush?: () => Promise<void> };
  if (typeof registered.forceFlush !== 'function') return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([registered.forceFlush().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/** The database's name, for notifications (never the URL). */
function databaseName(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || undefined;
  } catch {
    return undefined;
  }
}
