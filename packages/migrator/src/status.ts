import { backupStatus, type BackupStatus } from './backup/index.js';
import { connect } from './db/connect.js';
import { historyExists, METADATA_SCHEMA, type Queryable } from './db/metadata.js';
import { dataMigrationStatus, type DataMigrationStatus } from './data-migrations/index.js';
import { operationFiles } from './phased/index.js';
import { migrationStatus, type MigrationStatus, type MigrationsReport, type RunnerOptions } from './runner/index.js';

/**
 * Where an expand/contract operation stands: nothing applied yet (`not-started`), part of its
 * expand applied (`expanding`), all of it (`expanded`: the application may be deployed once its
 * backfill is done), part of its contract (`contracting`), all of it (`contracted`), or undone
 * by `rollback-operation` and not applied since (`rolled-back`).
 */
export type OperationState = 'not-started' | 'expanding' | 'expanded' | 'contracting' | 'contracted' | 'rolled-back';

export interface OperationStatus {
  /** Operation name, as in its files' names (`add_phone`). */
  name: string;
  /** `add-required-column`. */
  kind: string;
  summary: string;
  state: OperationState;
  /**
   * Its backfills (data migrations `NNNN_<name>_backfill[_n]`) up to the phase it reached (before
   * the contract, those that run after its expand migrations; a catch-up pass after a contract
   * migration counts from then on): `none` when it has none, `done` when they finished, else the
   * state of the first one that did not (as `status` reports data migrations).
   */
  backfill: 'none' | 'done' | Exclude<DataMigrationStatus['state'], 'finished'>;
  /** Its migrations in journal order, with their phase and whether they are applied. */
  migrations: Array<{ tag: string; phase: 'expand' | 'contract'; applied: boolean }>;
  /** Names of its data migrations in the data migrations folder. */
  dataMigrations: string[];
  /** When `rollback-operation` last undid it (ISO), if it did. */
  rolledBackAt: string | null;
}

/** `status`: the runner's report, and the backups of the database when a backup folder is given. */
export interface StatusReport extends MigrationsReport {
  /** Backups of this database in the backup folder, when `status` was given one. */
  backups?: BackupStatus;
  /** The tracked data migrations of `dataMigrationsFolder`, when given one that exists. */
  dataMigrations?: DataMigrationStatus[];
  /** The expand/contract operations whose files are in the migrations folder, in order, when there are any. */
  operations?: OperationStatus[];
}

/**
 * Reads, without changing anything, where the database stands: each migration's phase and state,
 * INVALID indexes, a run in progress or interrupted, the last run's outcome, each expand/contract
 * operation and its phase, and with `backupDir` the age of the newest verified backup. Composes
 * the runner's, the operations' and the backups' own reports (one level above them, so none
 * imports another). `needsAttention` is what a CI gate uses.
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
    const operations = await operationStatus(client, options.migrationsFolder, report.migrations, data);
    // A data migration that has not finished holds back the schema migrations after it: `sdk db migrate` runs it.
    const unfinished = data.some((d) => d.state !== 'finished');
    return {
      ...report,
      ...(backups ? { backups } : {}),
      ...(data.length ? { dataMigrations: data } : {}),
      ...(operations.length ? { operations } : {}),
      needsAttention: report.needsAttention || unfinished,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Each operation of the folder: its files' headers, which of them are applied, its data migrations, its last rollback. */
async function operationStatus(client: Queryable, migrationsFolder: string, migrations: readonly MigrationStatus[], data: readonly DataMigrationStatus[]): Promise<OperationStatus[]> {
  const files = await operationFiles(migrationsFolder);
  if (files.length === 0) return [];
  // `modified` is applied too (edited since); everything else is not in the database.
  const applied = new Set(migrations.filter((m) => m.state === 'applied' || m.state === 'modified').map((m) => m.tag));
  const rolledBack = new Map<string, string>();
  if (await historyExists(client)) {
    const { rows } = await client.query<{ name: string; at: Date }>(
      `SELECT target_tag AS name, max(finished_at) AS at FROM ${METADATA_SCHEMA}.history WHERE phase = 'rollback-operation' AND outcome = 'rolled-back' GROUP BY target_tag`,
    );
    for (const r of rows) rolledBack.set(r.name, r.at.toISOString());
  }
  const names = [...new Set(files.map((f) => f.name))];
  return names.map((name) => {
    const own = files.filter((f) => f.name === name);
    const tags = own.map((f) => ({ tag: f.tag, phase: f.phase, applied: applied.has(f.tag) }));
    // The data migrations an operation writes are named NNNN_<name>_backfill[_n] (operations/render.ts).
    const pattern = new RegExp(`^\\d{4}_${name.replace(/[^a-z0-9_]/gi, '\\$&')}_backfill(_\\d+)?$`);
    const backfills = data.filter((d) => pattern.test(d.name));
    const expand = tags.filter((t) => t.phase === 'expand');
    const contract = tags.filter((t) => t.phase === 'contract');
    const count = (list: typeof tags) => list.filter((t) => t.applied).length;
    const rolledBackAt = rolledBack.get(name) ?? null;
    let state: OperationState;
    if (contract.length > 0 && count(contract) === contract.length) state = 'contracted';
    else if (count(contract) > 0) state = 'contracting';
    else if (count(expand) === 0) state = rolledBackAt ? 'rolled-back' : 'not-started';
    else state = count(expand) === expand.length ? 'expanded' : 'expanding';
    // A data migration follows the migration whose number it carries (operations/render.ts).
    const phaseOf = (d: DataMigrationStatus) => own.find((f) => f.tag.slice(0, 4) === d.name.slice(0, 4))?.phase ?? 'expand';
    const relevant = state === 'contracting' || state === 'contracted' ? backfills : backfills.filter((d) => phaseOf(d) === 'expand');
    const waiting = relevant.find((d) => d.state !== 'finished');
    return {
      name,
      kind: own[0]!.kind,
      summary: own[0]!.summary,
      state,
      backfill: relevant.length === 0 ? 'none' : waiting ? (waiting.state as OperationStatus['backfill']) : 'done',
      migrations: tags,
      dataMigrations: backfills.map((d) => d.name),
      rolledBackAt,
    };
  });
}
