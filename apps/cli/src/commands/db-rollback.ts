import { redactUrl, rollbackDeploy, type RollbackDeployResult, type RollbackPlan } from '@big0290/migrator';
import { ask } from '../ask.js';
import { interruptible } from '../interrupt.js';
import type { MigrationsFlags, PgToolFlags, TargetFlags } from '../options.js';
import { duration, type Output } from '../output.js';
import { ProgressDisplay } from '../progress.js';
import { migrationsFolderOf } from '../project.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../run.js';
import { resolveTarget } from '../target.js';
import { renderPreview } from './db-backup.js';
import { renderRollback } from './db-rollback-operation.js';

export interface DbRollbackOptions extends TargetFlags, MigrationsFlags, PgToolFlags {
  backup?: string | undefined;
  operation?: string | undefined;
  yes?: boolean | undefined;
  lockTimeout?: number | undefined;
}

/**
 * `sdk db rollback`: restores the verified pre-deploy backup the last `sdk db deploy` recorded
 * (or `--backup PATH`) with the same restore as `sdk db restore`, or with `--operation NAME` undoes
 * an operation still in its expand phase (as `sdk db rollback-operation`). Asks first at a
 * terminal; needs --yes without one. Exit 0 done, 1 refused, failed or cancelled, 2 bad usage.
 */
export async function dbRollback(options: DbRollbackOptions, out: Output): Promise<number> {
  if (options.backup !== undefined && options.operation !== undefined) throw new UsageError('give --backup or --operation, not both');
  const migrationsFolder = options.operation !== undefined ? await migrationsFolderOf(options.migrations) : undefined;
  const target = await resolveTarget(options, out);
  const where = redactUrl(target.url);
  const progress = new ProgressDisplay(out);
  const stop = interruptible(out);
  try {
    const result = await rollbackDeploy({
      databaseUrl: target.url,
      backup: options.backup,
      operation: options.operation,
      migrationsFolder,
      pgBinDir: options.pgBinDir,
      lockTimeoutMs: options.lockTimeout,
      onProgress: progress.update,
      onStatement: (sql) => {
        if (out.verbose) out.info(`running: ${sql}`);
      },
      signal: stop.signal,
      confirm: async (plan) => {
        if (!out.json || out.verbose) out.info(describe(plan, where));
        if (options.yes) return true;
        // A script (no terminal, or --json) cannot answer a prompt: it says --yes up front.
        if (!process.stdin.isTTY || !process.stderr.isTTY || out.json) {
          throw new UsageError(`rolling back replaces data in ${where} and there is no terminal to confirm on: add --yes to roll back without asking`);
        }
        return ask(plan.kind === 'restore' ? `Replace database ${plan.preview.targetDatabase} with this backup? [y/N] ` : `Roll back the operation ${plan.operation}? [y/N] `);
      },
    });
    progress.stop();
    if (out.json) out.resultJson({ target: where, ...jsonOf(result) });
    else out.result(closing(result));
    if (result.kind === 'restore') return !result.restored || result.restore.mismatches.length > 0 ? EXIT_FAILURE : EXIT_OK;
    return result.result === null ? EXIT_FAILURE : EXIT_OK;
  } finally {
    stop.dispose();
    progress.stop();
    await target.close();
  }
}

/** What is about to be replaced, before the question. */
function describe(plan: RollbackPlan, where: string): string {
  if (plan.kind === 'operation') return `Roll back the operation ${plan.operation} in ${where}: its expand is undone (what it added is dropped) and its migrations are pending again.`;
  const from = plan.deploy ? `The pre-deploy backup of the last deploy (${plan.deploy.startedAt}, ${plan.deploy.outcome}${plan.deploy.applied.length ? `, applied ${plan.deploy.applied.join(', ')}` : ''}):\n` : '';
  return `${from}${renderPreview(plan.preview)}`;
}

function jsonOf(result: RollbackDeployResult) {
  if (result.kind === 'operation') return result;
  const { restored, durationMs, mismatches, rowChanges, history, preview } = result.restore;
  return { kind: result.kind, backup: result.backup, deploy: result.deploy, restored, durationMs, mismatches, rowChanges, history, preview };
}

function closing(result: RollbackDeployResult): string {
  if (result.kind === 'operation') return result.result === null ? 'Rollback cancelled: nothing was changed.' : renderRollback(result.result);
  const r = result.restore;
  if (!r.restored) return 'Rollback cancelled: nothing was changed.';
  return [
    `Rolled back: restored ${r.preview.archive} into ${r.preview.targetDatabase} in ${duration(r.durationMs)} (one transaction).`,
    r.mismatches.length === 0
      ? `Every table's row count matches the backup (${r.preview.backup.tables} tables, ${r.preview.backup.rows.toLocaleString('en-US')} rows).`
      : `Row counts that differ from the backup: ${r.mismatches.join('; ')}`,
    r.history ? `Audit history kept, and this restore is recorded there (id ${r.history.restoreId}).` : 'Audit history: none in this database, so the restore is not recorded.',
    `Migrations are back at ${r.preview.backup.newestMigration ?? 'none'}: \`sdk db status\` shows what is pending again.`,
  ].join('\n');
}
