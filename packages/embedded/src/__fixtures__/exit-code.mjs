// Starts and stops an attached embedded server, sets process.exitCode and lets the event loop
// drain, as a test runner does after failed tests: the process must exit with that code.
import { startEmbedded } from '../../dist/index.js';

const server = await startEmbedded();
await server.stop();
process.exitCode = 3;
