export { deploy, flushSpans, rollbackCommand } from './deploy.js';
export { lastDeploy, type DeployRecord } from './audit.js';
export { rollbackDeploy, type RollbackDeployOptions, type RollbackDeployResult, type RollbackPlan } from './rollback.js';
export { DeployRefusedError } from './refused.js';
export { DEPLOY_STEPS, type DeployEvent, type DeployOptions, type DeployReport, type DeployStep, type DeployStepName } from './types.js';
export { DEFAULT_MAX_PAUSE_MS, DEFAULT_WATCH_HOLDER_MS, DEFAULT_WATCH_INTERVAL_MS, DEFAULT_WATCH_LOCK_WAIT_MS, type WatchBounds, type WatchEvent, type WatchSample, type WatchSummary } from './watch.js';
