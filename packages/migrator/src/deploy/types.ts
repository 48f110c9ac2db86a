import type { NotifyOptions, NotifyResult } from '../util/notify.js';
import type { BackupProgress } from '../backup/index.js';
import type { BackfillEvent } from '../backfill/index.js';
import type { RunnerEvent } from '../runner/index.js';
import type { WatchBounds, WatchEvent, WatchSummary } from './watch.js';

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
  /** Another server to verify the backup on (as `verifyBackup`'s): when the role may not create databases on the target's. */
  scratchUrl?: string | undefined;
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
  /**
   * A streaming replica lagging more than this blocks the deploy at preflight, and pauses it
   * between migrations and backfill batches (default DEFAULT_MAX_REPLICA_LAG_MS, 10 s).
   */
  maxReplicaLagMs?: number | undefined;
  /**
   * The application's health endpoint (GET, 2xx is healthy): checked at preflight, watched
   * during the migration (a failing check pauses it between migrations and batches), and checked
   * again by the verification. Shown as scheme and host only.
   */
  healthUrl?: string | undefined;
  /** How long a health check waits (default 2 s). */
  healthTimeoutMs?: number | undefined;
  /** The watcher's other bounds and its sampling interval (each has a default: watch.ts). */
  watch?: Omit<WatchBounds, 'healthUrl' | 'healthTimeoutMs' | 'maxReplicaLagMs'> | undefined;
  lockTimeoutMs?: number | undefined;
  /** How long the runner keeps retrying a statement that loses a lock race (as `migrate`'s; default 2 minutes). */
  retryForMs?: number | undefined;
  advisoryLockWaitMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** The clock the window is read with. */
  now?: (() => Date) | undefined;
  /** Each step as it completes (a live checklist); the library never prints. */
  onStep?: ((step: DeployStep) => void) | undefined;
  onEvent?: ((event: RunnerEvent) => void) | undefined;
  onBackupProgress?: ((progress: BackupProgress) => void) | undefined;
  /**
   * Everything the deploy does, as structured events (the CLI's `--events FILE` writes them as
   * JSON lines): steps starting and ending, the runner's and backfills' events, the watcher's
   * samples and pauses, notifications. Each carries `at` (ISO time).
   */
  onDeployEvent?: ((event: DeployEvent) => void) | undefined;
}

/** One structured event of a deploy (`onDeployEvent`). */
export type DeployEvent = { at: string } & (
  | { type: 'deploy-start'; phase: 'expand' | 'contract' | 'all'; target: string }
  | { type: 'step-start'; step: DeployStepName }
  | { type: 'step-end'; step: DeployStep }
  | { type: 'migration'; event: RunnerEvent }
  | { type: 'backfill'; event: BackfillEvent }
  | WatchEvent
  | ({ type: 'notification'; event: 'start' | 'success' | 'failure' } & NotifyResult)
  | { type: 'deploy-end'; ok: boolean; durationMs: number; rollback: string | null }
);

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
  /** What the watcher saw during the migration; null when the migrate step did not run. */
  watch: WatchSummary | null;
  durationMs: number;
}
