import { backupStatus, type BackupStatus } from './backup/index.js';
import { connect } from './db/connect.js';
import { dataMigrationStatus, type DataMigrationStatus } from './data-migrations/index.js';
import { migrationStatus, type MigrationsReport, type RunnerOptions } from './runner/index.js';

/** `status`: the runner's report, and the backups of the database when a backup folder is given. */
export interface StatusReport extends MigrationsReport {
  /** Backups of this database in the backup folder, when `status` was given one. */
  backups?: BackupStatus;
  /** The tracked data migrations of `dataMigrationsFolder`, when given one that exists. */
  dataMigrations?: DataMigrationStatus[];
}

/**
 * Reads, without changing anything, where the database stands: each migration's phase and state,
 * INVALID indexes, a run in progress or interrupted, the last run's outcome, and with `backupDir`
 * the age of the newest verified backup. Composes the runner's and the backups' own reports (one
 * level above both, so neither imports the other). `needsAttention` is what a CI gate uses.
 *
 * @example
 * const report = await status({ databaseUrl, migrationsFolder, backupDir: '/backups' });
 * if (report.needsAttention) process.exitCode = 1;
 */
export async function status(options: Pick<RunnerOptions, 'databaseUrl' | 'migrationsFolder'> & { backupDir?: string | undefined; dataMigrationsFolder?: string | undefined }): Promise<StatusReport> {
  const client = await connect(options.databaseUrl, { applicationName: 'sdk status' });
  try {
    const report = await migrationStatus(client, options);
    const backups = options.backupDir === undefined ? undefined : await backupStatus(client, options.backupDir);
    const data = await dataMigrationStatus(client, options.dataMigrationsFolder);
    // A data migration that has not finished holds back the schema migrations after it: `sdk db migrate` runs it.
    const unfinished = data.some((d) => d.state !== 'finished');
    return {
      ...report,
      ...(backups ? { backups } : {}),
      ...(data.length ? { dataMigrations: data } : {}),
      needsAttention: report.needsAttention || unfinished,
    };
  } finally {
    await client.end().catch(() => {});
  }
}
