export { deploy, rollbackCommand } from './deploy.js';
export { DeployRefusedError } from './refused.js';
export { DEPLOY_STEPS, type DeployOptions, type DeployReport, type DeployStep, type DeployStepName } from './types.js';
