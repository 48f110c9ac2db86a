export { deploy, rollbackCommand } from './deploy.js';
export { lastDeploy, type DeployRecord } from './audit.js';
export { rollbackDeploy, type RollbackDeployOptions, type RollbackDeployResult, type RollbackPlan } from './rollback.js';
export { DeployRefusedError } from './refused.js';
export { DEPLOY_STEPS, type DeployOptions, type DeployReport, type DeployStep, type DeployStepName } from './types.js';
