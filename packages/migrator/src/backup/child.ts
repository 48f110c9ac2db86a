import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

let prefix: string[] | undefined;

/**
 * The command that starts a PostgreSQL client tool so it dies with this process: on Linux,
 * util-linux's `setpriv --pdeathsig KILL --` (found on PATH, checked once for the option, which
 * util-linux has had since 2.33), which sets prctl(PR_SET_PDEATHSIG) and execs the tool. When sdk
 * is killed (SIGKILL, the OOM killer, a second Ctrl-C), the kernel kills pg_dump, pg_restore and
 * psql with it: a restore's psql session then ends before its COMMIT and rolls back, instead of
 * committing on its own later without the migration lock (issue 9).
 *
 * Elsewhere (macOS, Windows, a Linux without setpriv) the tools are started directly and can
 * outlive a killed sdk. The restore is still safe there: its script checks, right before COMMIT,
 * that sdk's session still holds the migration lock (see `commitGuard` in exact.ts). A left-over
 * pg_dump only ever writes a `.partial` file, which no command takes for a backup.
 *
 * The death signal follows the thread that spawned the child: Node spawns from its main thread,
 * which lives as long as the process.
 */
export function dieWithParentPrefix(): string[] {
  if (prefix) return prefix;
  prefix = [];
  if (process.platform !== 'linux') return prefix;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, 'setpriv');
    try {
      accessSync(path, constants.X_OK);
    } catch {
      continue; // not in this folder
    }
    try {
      const help = execFileSync(path, ['--help'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] });
      if (help.includes('--pdeathsig')) prefix = [path, '--pdeathsig', 'KILL', '--'];
    } catch {
      // A setpriv that cannot print its help cannot be trusted to set the signal: start tools directly.
    }
    break;
  }
  return prefix;
}

/** `spawn`, through `dieWithParentPrefix()`: the child's pid is the tool's (setpriv execs it). */
export function spawnTool(path: string, args: string[], options: SpawnOptions): ChildProcess {
  const [command, ...before] = [...dieWithParentPrefix(), path];
  return spawn(command!, [...before, ...args], options);
}
