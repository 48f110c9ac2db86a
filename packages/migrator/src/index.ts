/**
 * @big0290/migrator: safe migrations for Drizzle on a live PostgreSQL. The public face: what an
 * application, a deploy script or CI needs, with option and result types. Anything else is
 * internal; the sdk CLI reaches a few more pieces through the subpaths of `exports`
 * (`/lint` renderers, `/backup` helpers, `/defaults`, `/errors`, `/redact`, `/connect`), which are
 * not a stable API. `api.test.ts` holds the list: a change to it is deliberate.
 */

// Errors: every failure a caller may handle, with a stable code.
export {
  MigratorError,
  ConfigError,
  ConnectionError,
  JournalError,
  MigrationEncodingError,
  SqlSyntaxError,
  ChecksumMismatchError,
  MigrationOrderError,
  MissingMigrationError,
  LockTimeoutError,
  DeadlockError,
  RowLocksError,
  AdvisoryLockError,
  MigrationFailedError,
  MigrationInterruptedError,
  isMigratorError,
  type MigratorErrorCode,
  type Blocker,
} from './errors.js';
export { redactUrl } from './util/redact.js';

// Applying migrations, and where the database stands.
export { repair, ADVISORY_LOCK_KEYS } from './runner/index.js';
// migrate: the runner, with tracked data migrations run in their turn between schema migrations.
export { migrate, defineDataMigration } from './data-migrations/index.js';
export type { DataMigration, DataMigrationContext, DataMigrationsOptions, DataMigrationStatus, RanDataMigration } from './data-migrations/index.js';
export type {
  RunnerOptions,
  MigrateOptions,
  MigrateResult,
  AppliedMigration,
  PlannedMigration,
  SqlStatement,
  Phase,
  RunnerEvent,
  BlockingSession,
  RunInProgress,
  InvalidIndex,
  MigrationStatus,
  MigrationState,
  MigrationEdit,
  MigrationsReport,
  RepairOptions,
  RepairResult,
  EditedMigration,
} from './runner/index.js';
export { status, type StatusReport } from './status.js';

// Watching the database during a deploy: who blocks whom, ending a session safely, the
// maintenance flag the application reads (through isMaintenanceMode of @big0290/db-config).
export { inspectLocks, watchLocks, endSession, refusalFor } from './db/locks.js';
export type { LocksOptions, LocksReport, BlockingNode, BackendRow, EndSessionOptions, EndSessionResult, EndSessionAction } from './db/locks.js';
export type { SessionActivity } from './db/types.js';
export { setMaintenance, maintenanceStatus } from './db/maintenance.js';
export type { MaintenanceOptions, SetMaintenanceOptions, MaintenanceState } from './db/maintenance.js';

// Deploy helpers: maintenance windows read in their IANA time zone, daylight saving time included,
// and webhook notifications that never throw and never show the webhook's secrets.
export { parseWindow, windowState } from './util/window.js';
export type { MaintenanceWindow, WindowState } from './util/window.js';
export { notify, DEFAULT_NOTIFY_ATTEMPTS, DEFAULT_NOTIFY_TIMEOUT_MS, DEFAULT_NOTIFY_BACKOFF_MS } from './util/notify.js';
export type { DeployNotification, NotifyOptions, NotifyResult } from './util/notify.js';

// Reviewing migrations: the linter and the planner.
export { lintPaths, type LintOptions, type LintResult, type LintCacheStats, type LintReport, type FileReport, type Violation, type Severity, type LockMode } from './lint/index.js';
export { planMigrations, traceMigrations } from './inspect/index.js';
export type { PlanOptions, PlanReport, PlannedMigrationReport, PlannedStatement, LockSession, TraceOptions, TraceReport } from './inspect/index.js';

// Backups that are proven to restore.
export { backup, verifyBackup, restoreBackup, listBackups, pruneBackups } from './backup/index.js';
export type {
  BackupOptions,
  BackupResult,
  BackupProgress,
  BackupStatus,
  VerifyOptions,
  VerifyResult,
  RestoreOptions,
  RestorePreview,
  RestoreResult,
  BackupEntry,
  PruneResult,
  Manifest,
} from './backup/index.js';

// Backfills: data changes in keyset batches, resumable, yielding to the application; copy moves
// rows into another table in the same batches (rewrite-table).
export { backfill, planBackfill, listBackfills, copy } from './backfill/index.js';
export type {
  BackfillOptions,
  CopyOptions,
  BackfillTarget,
  BackfillResult,
  BackfillDryRun,
  BackfillRecord,
  BackfillEvent,
  BackfillSettings,
} from './backfill/index.js';

// Expand/contract operations: the guide's patterns planned against the database, written as
// phased migrations and data migrations, run by `migrate`, rolled back before their contract.
export { OPERATIONS, describePlan, renderPlan } from './operations/index.js';
export type {
  Operation,
  OperationPlan,
  OperationStep,
  OperationPhase,
  SqlStep,
  BackfillStep,
  CopyStep,
  PlannedFile,
  AddRequiredColumnInput,
  RenameColumnInput,
  ChangeColumnTypeInput,
  DropColumnInput,
  DropTableInput,
  AddIndexInput,
  AddForeignKeyInput,
  AddCheckInput,
  AddUniqueInput,
} from './operations/index.js';
export { writeOperation, rollbackOperation, operationFiles, findSafeRewrites, safeRewrite } from './phased/index.js';
export type { WriteOperationOptions, WrittenOperation, RollbackOperationOptions, RollbackOperationResult, OperationFile, SafeRewriteOptions, SafeRewriteFinding, SafeRewriteResult } from './phased/index.js';

// Verifying a deploy: the live schema against drizzle-kit's snapshot of the last applied migration,
// with what an expand/contract operation keeps until its contract listed apart from drift.
export { schemaDrift } from './verify/index.js';
export type { SchemaDriftOptions, DriftReport, DriftItem, DriftKind, InFlightItem } from './verify/index.js';

// The deploy checklist as one call: preflight, a verified backup, the maintenance flag, migrate,
// verification, a report with the command that restores the pre-deploy backup.
export { deploy, flushSpans, rollbackCommand, DeployRefusedError, DEPLOY_STEPS, lastDeploy, rollbackDeploy } from './deploy/index.js';
export type { DeployEvent, DeployOptions, DeployReport, DeployStep, DeployStepName, DeployRecord, RollbackDeployOptions, RollbackDeployResult, RollbackPlan } from './deploy/index.js';
// The deploy's watcher: its bounds' defaults, what it samples and reports.
export { DEFAULT_MAX_PAUSE_MS, DEFAULT_WATCH_HOLDER_MS, DEFAULT_WATCH_INTERVAL_MS, DEFAULT_WATCH_LOCK_WAIT_MS } from './deploy/index.js';
export type { WatchBounds, WatchEvent, WatchSample, WatchSummary } from './deploy/index.js';
// The application's health endpoint, as the deploy checks it.
export { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS, type HealthCheck } from './util/health.js';
