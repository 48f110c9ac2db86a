#!/usr/bin/env node
// `pnpm bench <name> [flags]`: runs bench/<name>.mjs.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR } from './lib.mjs';

const available = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.mjs') && !['run.mjs', 'lib.mjs'].includes(f))
  .map((f) => f.replace(/\.mjs$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name) || !existsSync(join(BENCH_DIR, `${name}.mjs`))) {
  console.error(`usage: pnpm bench <${available.join('|')}> [--reps N]${name ? `\nunknown benchmark: ${name}` : ''}`);
  process.exitCode = 2;
} else {
  try {
    const { run } = await import(pathToFileURL(join(BENCH_DIR, `${name}.mjs`)).href);
    await run(process.argv.slice(3));
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
