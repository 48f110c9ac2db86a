import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

/** Every name the package's root exports, from index.ts (`type` marked), in file order. */
function declaredExports(): string[] {
  const text = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
  const names: string[] = [];
  for (const block of text.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const raw of block[2]!.split(',')) {
      const name = raw.trim();
      if (name) names.push(block[1] && !name.startsWith('type ') ? `type ${name}` : name);
    }
  }
  return names;
}

describe('the public API of @big0290/migrator', () => {
  it('is this list: changing it is a deliberate act (update this test and the README)', () => {
    expect(declaredExports()).toMatchInlineSnapshot(`
      [
        "MigratorError",
        "ConfigError",
        "ConnectionError",
        "JournalError",
        "MigrationEncodingError",
        "SqlSyntaxError",
        "ChecksumMismatchError",
        "MigrationOrderError",
        "MissingMigrationError",
        "LockTimeoutError",
        "DeadlockError",
        "RowLocksError",
        "AdvisoryLockError",
        "MigrationFailedError",
        "MigrationInterruptedError",
        "isMigratorError",
        "type MigratorErrorCode",
        "type Blocker",
        "redactUrl",
        "repair",
        "ADVISORY_LOCK_KEYS",
        "migrate",
        "defineDataMigration",
        "type DataMigration",
        "type DataMigrationContext",
        "type DataMigrationsOptions",
        "type DataMigrationStatus",
        "type RanDataMigration",
        "type RunnerOptions",
        "type MigrateOptions",
        "type MigrateResult",
        "type AppliedMigration",
        "type PlannedMigration",
        "type SqlStatement",
        "type Phase",
        "type RunnerEvent",
        "type BlockingSession",
        "type RunInProgress",
        "type InvalidIndex",
        "type MigrationStatus",
        "type MigrationState",
        "type MigrationEdit",
        "type MigrationsReport",
        "type RepairOptions",
        "type RepairResult",
        "type EditedMigration",
        "status",
        "type StatusReport",
        "inspectLocks",
        "watchLocks",
        "endSession",
        "refusalFor",
        "type LocksOptions",
        "type LocksReport",
        "type BlockingNode",
        "type BackendRow",
        "type EndSessionOptions",
        "type EndSessionResult",
        "type EndSessionAction",
        "type SessionActivity",
        "setMaintenance",
        "maintenanceStatus",
        "type MaintenanceOptions",
        "type SetMaintenanceOptions",
        "type MaintenanceState",
        "parseWindow",
        "windowState",
        "type MaintenanceWindow",
        "type WindowState",
        "notify",
        "DEFAULT_NOTIFY_ATTEMPTS",
        "DEFAULT_NOTIFY_TIMEOUT_MS",
        "DEFAULT_NOTIFY_BACKOFF_MS",
        "type DeployNotification",
        "type NotifyOptions",
        "type NotifyResult",
        "lintPaths",
        "type LintOptions",
        "type LintResult",
        "type LintReport",
        "type FileReport",
        "type Violation",
        "type Severity",
        "type LockMode",
        "planMigrations",
        "traceMigrations",
        "type PlanOptions",
        "type PlanReport",
        "type PlannedMigrationReport",
        "type PlannedStatement",
        "type LockSession",
        "type TraceOptions",
        "type TraceReport",
        "backup",
        "verifyBackup",
        "restoreBackup",
        "listBackups",
        "pruneBackups",
        "type BackupOptions",
        "type BackupResult",
        "type BackupProgress",
        "type BackupStatus",
        "type VerifyOptions",
        "type VerifyResult",
        "type RestoreOptions",
        "type RestorePreview",
        "type RestoreResult",
        "type BackupEntry",
        "type PruneResult",
        "type Manifest",
        "backfill",
        "planBackfill",
        "listBackfills",
        "copy",
        "type BackfillOptions",
        "type CopyOptions",
        "type BackfillTarget",
        "type BackfillResult",
        "type BackfillDryRun",
        "type BackfillRecord",
        "type BackfillEvent",
        "type BackfillSettings",
        "OPERATIONS",
        "describePlan",
        "renderPlan",
        "type Operation",
        "type OperationPlan",
        "type OperationStep",
        "type OperationPhase",
        "type SqlStep",
        "type BackfillStep",
        "type CopyStep",
        "type PlannedFile",
        "type AddRequiredColumnInput",
        "type RenameColumnInput",
        "type ChangeColumnTypeInput",
        "type DropColumnInput",
        "type DropTableInput",
        "type AddIndexInput",
        "type AddForeignKeyInput",
        "type AddCheckInput",
        "type AddUniqueInput",
        "writeOperation",
        "rollbackOperation",
        "operationFiles",
        "findSafeRewrites",
        "safeRewrite",
        "type WriteOperationOptions",
        "type WrittenOperation",
        "type RollbackOperationOptions",
        "type RollbackOperationResult",
        "type OperationFile",
        "type SafeRewriteOptions",
        "type SafeRewriteFinding",
        "type SafeRewriteResult",
      ]
    `);
  });

  it('exports at run time exactly the values the list names, and nothing through `export *`', () => {
    const values = declaredExports().filter((n) => !n.startsWith('type '));
    expect(Object.keys(api).sort()).toEqual([...values].sort());
    expect(readFileSync(new URL('./index.ts', import.meta.url), 'utf8')).not.toMatch(/export \*/);
  });

  it('has one error code union, and every error class carries a code from it', () => {
    const error = new api.LockTimeoutError('x', 1);
    const code: api.MigratorErrorCode = error.code;
    expect(code).toBe('E_LOCK_TIMEOUT');
    expect(api.isMigratorError(error)).toBe(true);
  });
});
