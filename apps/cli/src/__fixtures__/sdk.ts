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
  await passwordRole(admin, role, password);
  const u = new URL(url);
  u.username = role;
  u.password = password;
  return u.toString();
}

/**
 * Creates the superuser `role` with `password`, or sets the password of an existing one. Test
 * files run side by side and may do this for the same role at the same moment: a creation that
 * loses the race is not an error, and an ALTER ROLE that collides with another on the role's row
 * ("tuple concurrently updated", XX000) is tried again (it is idempotent).
 */
export async function passwordRole(admin: pg.Client, role: string, password: string): Promise<void> {
  const created = await admin.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`).then(
    () => true,
    (error: { code?: string }) => {
      if (error.code !== '42710' && error.code !== '23505') throw error; // exists, or being created by another file
      return false;
    },
  );
  for (let attempt = 1; !created; attempt++) {
    try {
      await admin.query(`ALTER ROLE ${role} PASSWORD '${password}'`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'XX000' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
