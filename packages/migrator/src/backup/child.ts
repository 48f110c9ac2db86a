import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
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
  const path = setprivOnPath();
  prefix = [];
  if (!path) return prefix;
  try {
    prefix = prefixFromHelp(path, execFileSync(path, ['--help'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    // A setpriv that cannot print its help cannot be trusted to set the signal: start tools directly.
  }
  return prefix;
}

let probing: Promise<void> | undefined;

/**
 * Runs the same check as `dieWithParentPrefix` without blocking: the commands start it beside
 * their first round trip to the server (`probePgTools`), so the tool they spawn next finds the
 * answer ready instead of waiting for `setpriv --help` (a process start, ~10 ms). Never rejects.
 */
export function probeDieWithParent(): Promise<void> {
  if (prefix) return Promise.resolve();
  probing ??= new Promise<void>((resolve) => {
    const path = setprivOnPath();
    if (!path) {
      prefix ??= [];
      resolve();
      return;
    }
    execFile(path, ['--help'], { encoding: 'utf8', timeout: 5_000 }, (error, help) => {
      // A setpriv that cannot print its help cannot be trusted to set the signal: start tools directly.
      prefix ??= error ? [] : prefixFromHelp(path, help);
      resolve();
    });
  });
  return probing;
}

/** The first setpriv on PATH, on Linux only. */
function setprivOnPath(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, 'setpriv');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function prefixFromHelp(path: string, help: string): string[] {
  return help.includes('--pdeathsig') ? [path, '--pdeathsig', 'KILL', '--'] : [];
}

/** `spawn`, through `dieWithParentPrefix()`: the child's pid is the tool's (setpriv execs it). */
export function spawnTool(path: string, args: string[], options: SpawnOptions): ChildProcess {
  const [command, ...before] = [...dieWithParentPrefix(), path];
  return spawn(command!, [...before, ...args], options);
}
