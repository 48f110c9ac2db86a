import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate, operationFiles, redactUrl, type BlockingSession, type MigrateResult, type RunnerEvent } from '@big0290/migrator';
import { duration, table, truncate, type Output } from '../output.js';
import { interruptible } from '../interrupt.js';
import type { MigrationsFlags, TargetFlags } from '../options.js';
import { dataMigrationsFolderOf, migrationsFolderOf } from '../project.js';
import { resolveTarget } from '../target.js';

export interface DbMigrateOptions extends TargetFlags, MigrationsFlags {
  phase?: 'expand' | 'contract' | 'all' | undefined;
  to?: string | undefined;
  dryRun?: boolean | undefined;
  allowOutOfOrder?: boolean | undefined;
  lockTimeout?: number | undefined;
  statementTimeout?: number | undefined;
  maxRetries?: number | undefined;
  retryFor?: number | undefined;
  resetProgress?: string[] | undefined;
  lockWait?: number | undefined;
  dataMigrations?: string | undefined;
}

/** `sdk db migrate`: applies pending migrations and returns what happened. */
export async function dbMigrate(options: DbMigrateOptions, out: Output): Promise<number> {
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const dataMigrationsFolder = await dataMigrationsFolderOf(options.dataMigrations, migrationsFolder);
  const target = await resolveTarget(options, out);
  const stop = interruptible(out);
  try {
    const result = await migrate({
      databaseUrl: target.url,
      migrationsFolder,
      phase: options.phase ?? 'all',
      to: options.to,
      dryRun: options.dryRun ?? false,
      allowOutOfOrder: options.allowOutOfOrder ?? false,
      lockTimeoutMs: options.lockTimeout,
      statementTimeoutMs: options.statementTimeout,
      maxRetries: options.maxRetries,
      retryForMs: options.retryFor,
      resetProgress: options.resetProgress,
      advisoryLockWaitMs: options.lockWait,
      signal: stop.signal,
      onEvent: (event) => renderEvent(event, out),
      dataMigrationsFolder,
      onDataMigration: (event) => {
        if (out.json && !out.verbose) return;
        if (event.type === 'data-migration-start') out.info(`→ data migration ${event.name} (after ${event.after})`);
        else out.info(`  data migration ${event.name} done in ${duration(event.durationMs ?? 0)}`);
      },
    });
    const operation = result.stopped?.reason === 'phase' ? await operationAt(migrationsFolder, result.stopped.beforeTag) : undefined;
    if (out.json) out.resultJson({ target: redactUrl(target.url), ...result, ...(operation && result.stopped ? { stopped: { ...result.stopped, operation } } : {}) });
    else out.result(renderResult(result, redactUrl(target.url), operation));
    return 0;
  } catch (error) {
    // The sessions in the way of the last attempt, in full (the error line names the first).
    const blockers = (error as { blockers?: BlockingSession[] }).blockers;
    if (Array.isArray(blockers) && blockers.length > 0 && !out.json) renderBlockers(blockers, out);
    throw error;
  } finally {
    stop.dispose();
    await target.close();
  }
}

/** The operation a contract migration belongs to, and what to deploy before it. */
export interface StoppedOperation {
  name: string;
  kind: string;
  summary: string;
  /** What to deploy before the contract, one clause: the file's `-- Runs after the deploy:` line, else said from the summary. */
  deploy: string;
}

/** The operation that wrote `tag` (its `-- sdk:operation` header), or undefined for a hand-written migration. */
async function operationAt(migrationsFolder: string, tag: string): Promise<StoppedOperation | undefined> {
  const file = (await operationFiles(migrationsFolder)).find((f) => f.tag === tag);
  if (!file) return undefined;
  // operations/render.ts writes the plan's deploy text into a contract file that follows a backfill.
  const text = await readFile(join(migrationsFolder, `${tag}.sql`), 'utf8').catch(() => '');
  const written = /^-- Runs after the deploy: (.*?)\.?\s*$/m.exec(text)?.[1];
  return { name: file.name, kind: file.kind, summary: file.summary, deploy: written ?? `deploy the application version that works with ${file.summary}` };
}

function renderEvent(event: RunnerEvent, out: Output): void {
  if (out.json && !out.verbose) return;
  switch (event.type) {
    case 'advisory-lock-wait': {
      const h = event.holder;
      out.info(
        h
          ? `waiting for the migration lock: held by pid ${h.pid}${h.host ? ` on ${h.host}` : ''}${h.user ? ` (${h.user})` : ''} since ${h.since}${h.tag ? `, applying ${h.tag}` : ''}`
          : 'waiting for the migration lock held by another run',
      );
      break;
    }
    case 'adopted-drizzle-history':
      out.info(`adopted ${event.count} migrations applied by drizzle-kit (nothing re-run)`);
      break;
    case 'migration-start':
      out.info(
        `${out.style('cyan', '→')} ${event.tag} (${event.phase}, ${event.statements} statement${event.statements === 1 ? '' : 's'}${event.resumeFrom > 0 ? `, resuming after statement ${event.resumeFrom}` : ''})`,
      );
      break;
    case 'statement-start':
      if (!event.transactional) out.info(`  outside a transaction: ${truncate(event.sql, 100)}`);
      else if (out.verbose) out.info(`  ${truncate(event.sql, 100)}`);
      break;
    case 'retry': {
      const what = event.reason === 'deadlock' ? 'deadlock' : event.reason === 'lock-timeout' ? 'lock timeout' : 'serialization failure';
      const budget =
        event.maxAttempts !== undefined ? ` of at most ${event.maxAttempts}` : event.remainingMs !== undefined ? `, retrying for up to ${duration(event.remainingMs)} more` : '';
      out.info(out.style('yellow', `  ${what} on ${event.tag} statement ${event.index + 1} (attempt ${event.attempt}${budget}); rolled back, next attempt in ${duration(event.backoffMs)}`));
      renderBlockers(event.blockers, out);
      break;
    }
    case 'invalid-index': {
      const action = {
        'drop-and-rebuild': `was left INVALID by a failed build: dropping it concurrently and building it again (attempt ${event.attempt})`,
        'drop-leftover': 'is an INVALID leftover of an earlier build of the same index: dropping it concurrently',
        'drop-duplicate': 'is an INVALID copy of a valid index (left by an earlier failed build): dropping it concurrently',
        rebuild: 'was left INVALID by a migration\'s failed build: rebuilding it with REINDEX INDEX CONCURRENTLY',
      }[event.action];
      out.info(out.style('yellow', `  index ${event.index} ${action}`));
      break;
    }
    case 'index-named':
      out.info(`  naming the unnamed index of ${event.tag} statement ${event.index + 1} ${event.name} (the name PostgreSQL would choose), so a retry or a rerun finds it`);
      break;
    case 'progress-remapped':
      out.info(`  ${event.tag} changed since it was partly applied: its ${event.kept} completed statement${event.kept === 1 ? '' : 's'} are unchanged and stay done; ${event.rerun} run${event.rerun === 1 ? 's' : ''} in the new form`);
      break;
    case 'progress-reset':
      out.info(`${event.tag}: forgot ${event.statements} recorded statement${event.statements === 1 ? '' : 's'}; it runs again from its first statement`);
      break;
    case 'warning':
      out.info(out.style('yellow', `warning: ${event.message}`));
      break;
    case 'migration-done':
      out.info(`${out.style('green', '✓')} ${event.tag} in ${duration(event.durationMs)}${event.retries ? ` after ${event.retries} retr${event.retries === 1 ? 'y' : 'ies'}` : ''}`);
      break;
    default:
      break;
  }
}

/** Who was in the way: holders first; a session in a cycle with the migration is said to be one. */
export function renderBlockers(blockers: readonly BlockingSession[], out: Output): void {
  if (blockers.length === 0) out.info('    (the blocking session was not caught in pg_stat_activity before the timeout)');
  for (const b of blockers) {
    const line = `pid ${b.pid} (${b.state ?? 'unknown'}, ${b.durationSeconds}s${b.user ? `, ${b.user}` : ''}): ${truncate(b.query, 80)}`;
    out.info(b.waitsForUs ? `    in a cycle with the migration: ${line} holds a lock it needs while waiting for the migration's own locks (ending it is not the fix)` : `    blocked by ${line}`);
  }
}

export function renderResult(result: MigrateResult, target: string, operation?: StoppedOperation): string {
  const lines: string[] = [];
  if (result.dryRun) {
    lines.push(
      result.plan.length === 0
        ? `Dry run: nothing to apply to ${target}.`
        : `Dry run: ${result.plan.length} migration${result.plan.length === 1 ? '' : 's'} would be applied to ${target}; nothing was changed.`,
    );
    for (const m of result.plan) {
      lines.push('', `${m.tag}  ${m.phase}${m.phaseSource === 'comment' ? ' (set by comment)' : ''}${m.phase === 'contract' ? `: ${m.phaseReason}` : ''}`);
      lines.push(
        table(
          m.statements.map((s) => [
            `  ${s.index + 1}`,
            s.transactional ? 'tx' : 'no-tx',
            `${truncate(s.sql, 90)}${s.nonTransactionalReason ? `  (${s.nonTransactionalReason})` : ''}`,
          ]),
        ),
      );
    }
  } else if (result.applied.length === 0 && result.stopped?.reason !== 'phase') {
    lines.push(result.stopped ? `Nothing to apply up to ${result.stopped.afterTag} on ${target}.` : `Nothing to apply: ${target} is up to date.`);
  } else if (result.applied.length === 0) {
    lines.push(`Nothing to apply before the next contract migration on ${target}.`);
  } else {
    const total = result.applied.reduce((sum, a) => sum + a.durationMs, 0);
    lines.push(`Applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} in ${duration(total)}.`);
    if (result.rebuiltIndexes.length > 0) lines.push(`Rebuilt INVALID indexes: ${result.rebuiltIndexes.join(', ')}.`);
  }
  const stopped = result.stopped;
  if (stopped?.reason === 'phase') {
    const rest = result.remaining.length > 1 ? ` and the ${result.remaining.length - 1} after it` : '';
    lines.push(
      '',
      operation
        ? `Stopped before ${stopped.beforeTag}: it is the contract of the ${operation.kind} operation ${operation.name} (${operation.summary}), so the application version running now may break once it is applied.`
        : `Stopped before ${stopped.beforeTag}: it is a contract migration (${stopped.phaseReason}), so the application version running now may break once it is applied.`,
      'Next:',
      `  1. ${operation ? operation.deploy : 'deploy the application version that works with the new schema'};`,
      `  2. then run \`pnpm sdk db migrate\` (or \`pnpm sdk db migrate --phase all\`) to apply ${stopped.beforeTag}${rest}.`,
    );
  } else if (stopped?.reason === 'to') {
    lines.push('', `Stopped after ${stopped.afterTag} as asked; still pending: ${result.remaining.join(', ')}.`);
  }
  const data = (result as MigrateResult & { dataMigrations?: { name: string; after: string; durationMs: number }[] }).dataMigrations ?? [];
  if (data.length > 0) lines.push(`Data migrations: ${data.map((d) => `${d.name} (after ${d.after}, ${duration(d.durationMs)})`).join(', ')}.`);
  return lines.join('\n');
}
