export { main } from './main.js';
export { buildProgram } from './program.js';
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './run.js';
