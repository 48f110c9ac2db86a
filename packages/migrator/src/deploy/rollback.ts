import { stat } from 'node:fs/promises';
import { archivePathOf, restoreBackup, type BackupProgress, type RestorePreview, type RestoreResult } from '../backup/index.js';
import { connect } from '../db/connect.js';
import { MigratorError } from '../errors.js';
import { rollbackOperation, type RollbackOperationResult } from '../phased/index.js';
import { lastDeploy, type DeployRecord } from './audit.js';

export interface RollbackDeployOptions {
  databaseUrl: string;
  /** Restore this backup instead of the last deploy's. */
  backup?: string | undefined;
  /** Roll back this operation (still in its expand phase) instead of restoring a backup: `rollbackOperation`. */
  operation?: string | undefined;
  /** drizzle-kit's `out` folder: needed with `operation`. */
  migrationsFolder?: string | undefined;
  /** Asked once every check passed and before anything is changed; false stops, changing nothing. */
  confirm: (plan: RollbackPlan) => Promise<boolean>;
  pgBinDir?: string | undefined;
  /** The restore's lock timeout, or the ceiling of each undo statement's. */
  lockTimeoutMs?: number | undefined;
  onProgress?: ((progress: BackupProgress) => void) | undefined;
  onStatement?: ((sql: string) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What the rollback will do, for the confirmation. */
export type RollbackPlan =
  | { kind: 'restore'; backup: string; deploy: DeployRecord | null; preview: RestorePreview }
  | { kind: 'operation'; operation: string };

export type RollbackDeployResult =
  | { kind: 'restore'; backup: string; deploy: DeployRecord | null; restored: boolean; restore: RestoreResult }
  | { kind: 'operation'; operation: string; rolledBack: boolean; result: RollbackOperationResult | null };

/**
 * Puts the database back after a deploy: restores the verified pre-deploy backup the last deploy
 * recorded in the audit history (`lastDeploy`), or the `backup` given, with `restoreBackup` (one
 * transaction, the audit history kept); or, with `operation`, undoes an operation still in its
 * expand phase with `rollbackOperation`. Asks `confirm` before it changes anything.
 *
 * @throws MigratorError `E_ROLLBACK` when no deploy is recorded, the last one has no verified
 *   backup, its file is gone, or both `backup` and `operation` are given; the restore's and the
 *   operation rollback's own errors otherwise.
 * @example
 * const result = await rollbackDeploy({ databaseUrl, confirm: async () => true });
 */
export async function rollbackDeploy(options: RollbackDeployOptions): Promise<RollbackDeployResult> {
  if (options.backup !== undefined && options.operation !== undefined) {
    throw new MigratorError('E_ROLLBACK', 'a rollback restores a backup or rolls back an operation, not both', { hint: 'give `backup` or `operation`, not both' });
  }
  if (options.operation !== undefined) {
    if (!options.migrationsFolder) throw new MigratorError('E_ROLLBACK', 'rolling back an operation needs the migrations folder that holds it', { hint: 'give `migrationsFolder`' });
    const operation = options.operation;
    if (!(await options.confirm({ kind: 'operation', operation }))) return { kind: 'operation', operation, rolledBack: false, result: null };
    const result = await rollbackOperation({
      databaseUrl: options.databaseUrl,
      migrationsFolder: options.migrationsFolder,
      name: operation,
      lockTimeoutMs: options.lockTimeoutMs,
      onStatement: options.onStatement,
    });
    return { kind: 'operation', operation, rolledBack: !result.nothingApplied, result };
  }

  let deploy: DeployRecord | null = null;
  let path: string;
  if (options.backup !== undefined) {
    path = options.backup;
  } else {
    const client = await connect(options.databaseUrl, { applicationName: 'sdk db rollback' });
    try {
      deploy = await lastDeploy(client);
    } finally {
      await client.end().catch(() => {});
    }
    if (!deploy) {
      throw new MigratorError('E_ROLLBACK', 'no deploy is recorded in this database\'s audit history: there is no pre-deploy backup to go back to', {
        hint: 'give the backup to restore with `backup` (`sdk db backups list` shows them), or roll back an operation with `operation`',
      });
    }
    if (!deploy.backup) {
      throw new MigratorError('E_ROLLBACK', `the last deploy (${deploy.startedAt}, ${deploy.outcome}) has no verified pre-deploy backup: nothing it recorded is safe to restore`, {
        hint: 'give the backup to restore with `backup` (`sdk db backups list` shows them)',
      });
    }
    path = deploy.backup;
    const found = await stat(archivePathOf(path)).then(() => true, () => false);
    if (!found) {
      throw new MigratorError('E_ROLLBACK', `the last deploy's pre-deploy backup ${path} is gone (deleted, pruned, or on another machine)`, {
        hint: 'copy it back to that path, or give another backup with `backup`',
      });
    }
  }
  const restore = await restoreBackup({
    path,
    databaseUrl: options.databaseUrl,
    pgBinDir: options.pgBinDir,
    ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    confirm: (preview) => options.confirm({ kind: 'restore', backup: path, deploy, preview }),
  });
  return { kind: 'restore', backup: path, deploy, restored: restore.restored, restore };
}
