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
 * The test process's environment without what would change which database sdk targets:
 * DATABASE_URL, and CI (set by CI services, and by `.ci/run`: sdk then refuses the embedded
 * default). A test that needs either gives it.
 */
export function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const child: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete child.DATABASE_URL;
  delete child.CI;
  Object.assign(child, env);
  return child as NodeJS.ProcessEnv;
}

/**
 * Runs `sdk` in a child process, in a temporary folder unless `cwd` is given, with `childEnv`
 * plus `env` (an `undefined` value removes a variable).
 */
export function sdk(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Run> {
  const env = childEnv(options.env);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? tmpdir(), timeout: 120_000 }, (error, stdout, stderr) => {
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
