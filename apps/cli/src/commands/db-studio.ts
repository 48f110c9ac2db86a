import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { drizzleConfig, drizzleKitBin } from '../drizzle-kit.js';
import { interruptible } from '../interrupt.js';
import type { TargetFlags } from '../options.js';
import type { Output } from '../output.js';
import { resolveTarget } from '../target.js';

export interface StudioFlags extends TargetFlags {
  config?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
}

/**
 * `sdk db studio` (`pnpm db:studio`): drizzle-kit studio on the database every other sdk command
 * uses: --database-url, DATABASE_URL, .env, else the embedded PostgreSQL (started if needed,
 * and stopped when Studio ends unless `sdk db start` keeps it). The URL reaches drizzle-kit as
 * DATABASE_URL in its environment (which the project's drizzle.config.ts reads), never on
 * its command line; its output is passed on scrubbed of the password. Runs until Ctrl-C.
 */
export async function dbStudio(options: StudioFlags, out: Output): Promise<number> {
  const config = await drizzleConfig(options.config);
  const cwd = dirname(config);
  const bin = drizzleKitBin(cwd);
  const target = await resolveTarget(options, out);
  // Ctrl-C reaches drizzle-kit too (same terminal): wait for it to end, then stop what we started.
  const stop = interruptible(out);
  try {
    const args = ['studio', '--config', config];
    if (options.port !== undefined) args.push('--port', String(options.port));
    if (options.host) args.push('--host', options.host);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, DATABASE_URL: target.url }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => process.stdout.write(out.scrub(chunk.toString())));
      child.stderr.on('data', (chunk: Buffer) => process.stderr.write(out.scrub(chunk.toString())));
      stop.signal.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
      child.on('error', reject);
      child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    });
    // Ending Studio is what Ctrl-C is for: not a failure.
    return stop.signal.aborted ? 0 : code;
  } finally {
    stop.dispose();
    await target.close();
  }
}
