export { main } from './main.js';
export { buildProgram } from './program.js';
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './run.js';
export { DEFAULT_SDK_CONFIG } from './project.js';
export type { SdkConfig } from './project.js';
