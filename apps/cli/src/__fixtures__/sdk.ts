import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** The built binary the tests run, as a user would (`pnpm build` first; `pnpm test` does). */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sdk` in a child process, in a temporary folder unless `cwd` is given. The test process's
 * own DATABASE_URL is never passed on: a test gives it in `env` (an `undefined` value removes a
 * variable).
 */
export function sdk(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.DATABASE_URL;
  Object.assign(env, options.env);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? tmpdir(), timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * A superuser role with a distinctive password (to check it never leaks), and `url` rewritten to
 * log in as it.
 */
export async function passwordRoleUrl(admin: pg.Client, url: string, role: string, password: string): Promise<string> {
  await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN SUPERUSER; END IF; END $$`);
  await admin.query(`ALTER ROLE ${role} PASSWORD '${password}'`);
  const u = new URL(url);
  u.username = role;
  u.password = password;
  return u.toString();
}
