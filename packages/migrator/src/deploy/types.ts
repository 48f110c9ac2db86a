import type { NotifyOptions, NotifyResult } from '../util/notify.js';
import type { BackupProgress } from '../backup/index.js';
import type { RunnerEvent } from '../runner/index.js';

/** The steps of a deploy, in the order they run (issue 14's checklist). */
export const DEPLOY_STEPS = ['preflight', 'backup', 'maintenance-on', 'migrate', 'verify', 'maintenance-off'] as const;
export type DeployStepName = (typeof DEPLOY_STEPS)[number];

/** One step of the checklist, with its outcome. */
export interface DeployStep {
  name: DeployStepName;
  status: 'ok' | 'failed' | 'skipped';
  durationMs: number;
  /** One line: what the step found or did, or why it failed or was skipped. */
  detail: string;
  /** What the step found wrong, one line each (preflight problems, verification findings). */
  problems?: string[] | undefined;
}

export interface DeployOptions {
  databaseUrl: string;
  /** drizzle-kit's `out` folder. */
  migrationsFolder: string;
  /** Tracked data migrations run in their turn between schema migrations. */
  dataMigrationsFolder?: string | undefined;
  /** Where the pre-deploy backup goes. */
  backupDir: string;
  pgBinDir?: string | undefined;
  /** Default `all`: as `migrate`. */
  phase?: 'expand' | 'contract' | 'all' | undefined;
  /** A file of read-only statements that must succeed after the migration (run in a transaction rolled back). */
  smokeSql?: string | undefined;
  /** Turn the maintenance flag on for the migration (and off again, whatever happens). */
  maintenance?: boolean | undefined;
  maintenanceMessage?: string | undefined;
  /** A maintenance window (`parseWindow`): a contract step outside it is refused. */
  window?: string | undefined;
  /** A Slack-compatible webhook told when the deploy starts, succeeds or fails; never fails the deploy. */
  notifyUrl?: string | undefined;
  notifyOptions?: NotifyOptions | undefined;
  /** Deploy even when the pending migrations have lint errors. */
  allowLintErrors?: boolean | undefined;
  /** Deploy even when the preflight finds problems (a database it cannot read still refuses). */
  force?: boolean | undefined;
  /** A transaction open this long blocks the deploy (default DEFAULT_LONG_TRANSACTION_MS). */
  longTransactionMs?: number | undefined;
  /** A streaming replica lagging more than this blocks the deploy (default DEFAULT_MAX_REPLICA_LAG_MS, 10 s). */
  maxReplicaLagMs?: number | undefined;
  lockTimeoutMs?: number | undefined;
  advisoryLockWaitMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** The clock the window is read with. */
  now?: (() => Date) | undefined;
  /** Each step as it completes (a live checklist); the library never prints. */
  onStep?: ((step: DeployStep) => void) | undefined;
  onEvent?: ((event: RunnerEvent) => void) | undefined;
  onBackupProgress?: ((progress: BackupProgress) => void) | undefined;
}

export interface DeployReport {
  ok: boolean;
  /** The target, password redacted. */
  target: string;
  phase: 'expand' | 'contract' | 'all';
  steps: DeployStep[];
  /** The pre-deploy backup; `path` null when none was made. */
  backup: { path: string | null; verified: boolean };
  /** The command that puts the database back as it was before the deploy; null without a backup. */
  rollback: string | null;
  /** Migrations applied by this deploy, and those held back by the phase. */
  applied: string[];
  remaining: string[];
  /** The failure that ended the deploy, when it failed. */
  error?: { step: DeployStepName; code: string | null; message: string; hint: string | null } | undefined;
  /** Webhook deliveries (never fail the deploy): the webhook shown as scheme and host only. */
  notifications: Array<{ event: 'start' | 'success' | 'failure' } & NotifyResult>;
  durationMs: number;
}
