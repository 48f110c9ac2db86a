// Runs the real `sdk` CLI (apps/cli/dist/bin.js) as a child process: stdout kept (the --json
// report), every stderr line timestamped as it arrives (a deploy prints one line per step as the
// step ends, which dates the steps).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from '../lib.mjs';

export const ROOT = join(BENCH_DIR, '..');
export const CLI = join(ROOT, 'apps', 'cli', 'dist', 'bin.js');

export function cliBuilt() {
  return existsSync(CLI);
}

/** Noise on the child's stderr that says nothing about the step: pg 8.23's notice about PGPASSFILE, backup progress. */
const NOISE = [/DeprecationWarning: pgpass support is deprecated/, /^\(Use `node --trace-deprecation/, /^(dumping|checksum|restoring|comparing): \d+%/];

/**
 * `sdk <args>` from the repository root (so `.sdk/` is this project's), with `env` added.
 * Resolves with the exit code, stdout, the timestamped stderr lines and the wall-clock window
 * (epoch ms, spawn to exit); `onLine` sees each stderr line worth showing.
 */
export function sdk(args, { env = {}, onLine = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const lines = [];
    let pending = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => {
      const at = Date.now();
      const parts = (pending + d.toString()).split('\n');
      pending = parts.pop();
      for (const text of parts) {
        if (!text.trim() || NOISE.some((re) => re.test(text))) continue;
        lines.push({ at, text });
        onLine(text);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending.trim() && !NOISE.some((re) => re.test(pending))) lines.push({ at: Date.now(), text: pending });
      resolve({ args, code, stdout: Buffer.concat(out).toString(), lines, startedAt, endedAt: Date.now() });
    });
  });
}

/** The object a `--json` command printed, or an error naming the command and what it said. */
export function jsonOf(run) {
  try {
    return JSON.parse(run.stdout);
  } catch {
    const said = run.lines.map((l) => l.text).join('\n') || run.stdout;
    throw new Error(`\`sdk ${run.args.join(' ')}\` exited ${run.code} without a JSON report:\n${said}`);
  }
}

/**
 * When each step of `sdk db deploy --verbose` ended and so began (the end of the one before, the
 * first one at the spawn): the checklist line `✓ migrate ...` is printed as the step ends.
 */
export function deployStepWindows(run) {
  const windows = {};
  let from = run.startedAt;
  for (const { at, text } of run.lines) {
    const m = /^[✓✗-] (preflight|backup|maintenance-on|migrate|verify|maintenance-off)\b/.exec(text);
    if (!m) continue;
    windows[m[1]] = { from, to: at };
    from = at;
  }
  return windows;
}
