import { createRequire } from 'node:module';

let prepared = false;

/**
 * What the process sets before any command's code loads; `sdk --help` and `sdk --version` never
 * pay for it (issue 15: a lighter start). Runs once.
 *
 * The SQL parser is a 1.7 MB WebAssembly module. V8 first compiles it with its baseline compiler
 * (Liftoff) and then recompiles hot functions with TurboFan in the background; a short-lived
 * command (`sdk db lint` takes a fraction of a second) finishes long before that pays off, and the
 * process would wait for the compiler threads at exit. Baseline code only: measured 0.6 s -> 0.3 s
 * for 1,000 migration files. Must be set before the parser module is compiled, which happens when
 * a command first parses SQL.
 */
export async function prepareRuntime(): Promise<void> {
  if (prepared) return;
  prepared = true;
  (await import('node:v8')).setFlagsFromString('--liftoff-only');
}

/**
 * Loads the pg driver for a command that connects, before the command's own modules import it,
 * to spare it a probe: when pg loads it asks whether it runs in a Cloudflare Worker, and without
 * `navigator.userAgent` (Node 20 has no `navigator`; Node 21 and later have one, and answer from
 * it) it constructs a fetch `Response`, which makes Node 20 load its whole fetch implementation
 * (undici): pg's load took 87 ms with it and 49 ms without on this project's machine. A
 * `navigator` with Node's user agent is defined only while pg loads, and only when the runtime has
 * none; pg answers "not a Worker", as it does on Node 21. Only the commands that connect call it:
 * `db lint` loads pg only for `--database-url`.
 */
export function loadPgDriver(): void {
  // The migrator's pg, which its ESM import then finds in the CommonJS cache, already evaluated.
  const requirePg = createRequire(import.meta.resolve('@big0290/migrator/connect'));
  const global = globalThis as { navigator?: unknown };
  if (global.navigator !== undefined) {
    requirePg('pg');
    return;
  }
  global.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
  try {
    requirePg('pg');
  } finally {
    delete global.navigator;
  }
}
