import { redactUrl, rollbackOperation, type RollbackOperationResult } from '@big0290/migrator';
import type { MigrationsFlags, TargetFlags } from '../options.js';
import type { Output } from '../output.js';
import { migrationsFolderOf } from '../project.js';
import { resolveTarget } from '../target.js';

export interface DbRollbackOperationOptions extends TargetFlags, MigrationsFlags {
  lockTimeout?: number | undefined;
  retryFor?: number | undefined;
}

/**
 * `sdk db rollback-operation <name-or-tag>`: undoes an operation whose expand ran and whose
 * contract did not. The library refuses (E_OPERATION, exit 1) once a contract migration of it
 * was applied.
 */
export async function dbRollbackOperation(nameOrTag: string, options: DbRollbackOperationOptions, out: Output): Promise<number> {
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const target = await resolveTarget(options, out);
  try {
    const result = await rollbackOperation({
      databaseUrl: target.url,
      migrationsFolder,
      name: nameOrTag,
      lockTimeoutMs: options.lockTimeout,
      retryForMs: options.retryFor,
      onStatement: (sql) => {
        if (out.verbose) out.info(`running: ${sql}`);
      },
    });
    if (out.json) out.resultJson({ target: redactUrl(target.url), ...result });
    else out.result(renderRollback(result));
    return 0;
  } finally {
    await target.close();
  }
}

export function renderRollback(r: RollbackOperationResult): string {
  if (r.nothingApplied) {
    return `Nothing to roll back: no migration of the ${r.kind} operation ${r.name} is applied. Its files stay; \`pnpm sdk db migrate --phase expand\` applies them.`;
  }
  const lines = [
    `Rolled back the ${r.kind} operation ${r.name}: ${r.statements.length === 0 ? 'nothing to undo in the schema' : `ran ${r.statements.length} statement${r.statements.length === 1 ? '' : 's'}`}.`,
    ...r.statements.map((s) => `  ${s}`),
    `Pending again: ${r.undone.length > 0 ? r.undone.join(', ') : 'none was applied; what a migration that stopped half-way did is undone'}. Its data migrations and backfill checkpoints are forgotten (they start over if run again).`,
    '',
    'Next: to give it up, remove what `sdk db new` wrote (its migrations with their journal entries and snapshots, and its data migrations: `git restore` and `git clean` them) and undo the Drizzle schema change;',
    'to try again, fix what made you roll back and run `pnpm sdk db migrate --phase expand`.',
  ];
  return lines.join('\n');
}
