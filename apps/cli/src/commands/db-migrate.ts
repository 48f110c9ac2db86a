import { migrate, redactUrl, type MigrateResult, type RunnerEvent } from '@big0290/migrator';
import { duration, table, truncate, type Output } from '../output.js';
import { resolveTarget, type TargetOptions } from '../target.js';

export interface DbMigrateOptions extends TargetOptions {
  phase?: 'expand' | 'all' | undefined;
  to?: string | undefined;
  dryRun?: boolean | undefined;
  allowOutOfOrder?: boolean | undefined;
  lockTimeout?: number | undefined;
  statementTimeout?: number | undefined;
  maxRetries?: number | undefined;
  lockWait?: number | undefined;
}

/** `sdk db migrate`: applies pending migrations and returns what happened. */
export async function dbMigrate(options: DbMigrateOptions, out: Output): Promise<number> {
  const target = await resolveTarget(options, out);
  try {
    const result = await migrate({
      databaseUrl: target.url,
      migrationsFolder: target.migrationsFolder,
      phase: options.phase ?? 'all',
      to: options.to,
      dryRun: options.dryRun ?? false,
      allowOutOfOrder: options.allowOutOfOrder ?? false,
      lockTimeoutMs: options.lockTimeout,
      statementTimeoutMs: options.statementTimeout,
      maxRetries: options.maxRetries,
      advisoryLockWaitMs: options.lockWait,
      onEvent: (event) => renderEvent(event, out),
    });
    if (out.json) out.resultJson({ target: redactUrl(target.url), ...result });
    else out.result(renderResult(result, redactUrl(target.url)));
    return 0;
  } finally {
    await target.close();
  }
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
    case 'lock-timeout': {
      out.info(
        out.style(
          'yellow',
          `  lock timeout on ${event.tag} statement ${event.index + 1} (attempt ${event.attempt} of ${event.maxRetries}); rolled back, retrying in ${duration(event.backoffMs)}`,
        ),
      );
      if (event.blockers.length === 0) out.info('    (the blocking session was not caught in pg_stat_activity before the timeout)');
      for (const b of event.blockers) {
        out.info(`    blocked by pid ${b.pid} (${b.state ?? 'unknown'}, ${b.durationSeconds}s${b.user ? `, ${b.user}` : ''}): ${truncate(b.query, 80)}`);
      }
      break;
    }
    case 'invalid-index':
      out.info(out.style('yellow', `  index ${event.index} was left INVALID by a failed build: dropping it concurrently and building it again (attempt ${event.attempt})`));
      break;
    case 'migration-done':
      out.info(`${out.style('green', '✓')} ${event.tag} in ${duration(event.durationMs)}${event.retries ? ` after ${event.retries} retr${event.retries === 1 ? 'y' : 'ies'}` : ''}`);
      break;
    default:
      break;
  }
}

export function renderResult(result: MigrateResult, target: string): string {
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
      `Stopped before ${stopped.beforeTag}: it is a contract migration (${stopped.phaseReason}), so the application version running now may break once it is applied.`,
      'Next:',
      '  1. deploy the application version that works with the new schema;',
      `  2. then run \`pnpm sdk db migrate\` (or \`pnpm sdk db migrate --phase all\`) to apply ${stopped.beforeTag}${rest}.`,
    );
  } else if (stopped?.reason === 'to') {
    lines.push('', `Stopped after ${stopped.afterTag} as asked; still pending: ${result.remaining.join(', ')}.`);
  }
  return lines.join('\n');
}
