import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

/** The live processes (zombies excluded) whose command line satisfies `match`, read from /proc. */
export function processes(match: (argv: string[]) => boolean): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || argv.length === 0 || !match(argv)) continue;
      found.push({ pid: Number(entry), ppid: Number(ppid), argv });
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** A PostgreSQL client tool (by its program name) whose arguments mention `text`. */
export function toolsMentioning(tool: 'pg_dump' | 'pg_restore' | 'psql', text: string): ProcessInfo[] {
  return processes((argv) => argv[0]!.endsWith(`/${tool}`) && argv.some((a) => a.includes(text)));
}

/**
 * Whether process `writer` still holds the pipe that is `reader`'s stdin open: once it has closed
 * it, everything it meant to send (a restore's COMMIT) is in the pipe.
 */
export function holdsStdinOf(writer: number, reader: number): boolean {
  const pipe = readlinkSync(`/proc/${reader}/fd/0`);
  for (const fd of readdirSync(`/proc/${writer}/fd`)) {
    try {
      if (readlinkSync(`/proc/${writer}/fd/${fd}`) === pipe) return true;
    } catch {
      // Closed while we looked.
    }
  }
  return false;
}
