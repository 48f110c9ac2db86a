import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'run-backfill.mjs');

/**
 * Runs run-backfill.mjs (a backfill or a copy, from `env`) in a child process; with `kill`, sends
 * it SIGKILL at a random moment: before its first batch, or after 1-3 batches, between or during
 * later ones. Resolves with whether it was killed and how many batches it reported.
 */
export function runBackfillChild(env: Record<string, string>, kill: boolean): Promise<{ killed: boolean; batches: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let batches = 0;
    let stderr = '';
    const after = Math.floor(Math.random() * 4);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      batches += d.toString().split('\n').filter((l) => l.includes('"batch"')).length;
      if (kill && batches >= after) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 20));
    });
    if (kill && after === 0) setTimeout(() => child.kill('SIGKILL'), 100 + Math.floor(Math.random() * 300));
    child.on('close', (code, signal) => (signal === 'SIGKILL' || code === 0 ? resolve({ killed: signal === 'SIGKILL', batches }) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}
