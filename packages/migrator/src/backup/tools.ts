import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MigratorError } from '../errors.js';
import { probeDieWithParent } from './child.js';

export type PgToolName = 'pg_dump' | 'pg_restore' | 'psql';

export interface PgTool {
  name: PgToolName;
  path: string;
  /** As printed by `--version`, e.g. `15.18`. */
  version: string;
  major: number;
}

/** Where the PostgreSQL client tools of several versions live side by side (Debian, RHEL, Homebrew, Postgres.app). */
const VERSIONED_DIRS: [string, (entry: string) => string][] = [
  ['/usr/lib/postgresql', (v) => join('/usr/lib/postgresql', v, 'bin')],
  ['/usr', (v) => (/^pgsql-\d+$/.test(v) ? join('/usr', v, 'bin') : '')],
  ['/opt/homebrew/opt', (v) => (/^(postgresql|libpq)(@\d+)?$/.test(v) ? join('/opt/homebrew/opt', v, 'bin') : '')],
  ['/usr/local/opt', (v) => (/^(postgresql|libpq)(@\d+)?$/.test(v) ? join('/usr/local/opt', v, 'bin') : '')],
  ['/Applications/Postgres.app/Contents/Versions', (v) => join('/Applications/Postgres.app/Contents/Versions', v, 'bin')],
];

/** `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` -> `15.18`. */
export function parseToolVersion(text: string): { version: string; major: number } | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text) ?? /\b(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  const major = Number(match[1]);
  return Number.isInteger(major) && major > 0 ? { version: match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}`, major } : undefined;
}

/** The version of one binary, or why it cannot be run. */
export function toolVersion(path: string): Promise<{ version: string; major: number } | string> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 10_000, encoding: 'utf8' }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve(code === 'ENOENT' ? `${path} not found` : code === 'EACCES' ? `${path} is not executable` : `\`${path} --version\` failed: ${error.message.split('\n')[0]}`);
        return;
      }
      resolve(parseToolVersion(stdout) ?? `\`${path} --version\` printed no version (${stdout.trim().slice(0, 80)})`);
    });
  });
}

function candidates(name: PgToolName): string[] {
  const onPath: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) onPath.push(join(dir, name));
  const versioned: string[] = [];
  for (const [root, bin] of VERSIONED_DIRS) {
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = bin(entry);
      if (dir) versioned.push(join(dir, name));
    }
  }
  // One probe per real file (/bin is often /usr/bin). Debian's /usr/bin/pg_dump is pg_wrapper, a
  // Perl script that picks the newest /usr/lib/postgresql/<v>/bin/pg_dump: with those found, it
  // adds nothing but ~50 ms to every run.
  const seen = new Set<string>();
  const found: string[] = [];
  const haveVersioned = versioned.some((path) => existsSync(path));
  for (const path of [...onPath, ...versioned]) {
    if (!existsSync(path)) continue;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      continue;
    }
    if (seen.has(real) || (haveVersioned && real.endsWith('/pg_wrapper'))) continue;
    seen.add(real);
    found.push(path);
  }
  return found;
}

/**
 * Finds `pg_dump` or `pg_restore` at least `atLeast` (the server's major version for pg_dump,
 * which refuses a newer server; the archive's for pg_restore): in `pgBinDir` only when given,
 * else on PATH, else in the usual versioned install folders, the newest that fits. When none
 * fits, the error names what was found and what to install.
 */
export async function findPgTool(name: PgToolName, options: { pgBinDir?: string | undefined; atLeast: number; why: string }): Promise<PgTool> {
  return pickPgTool(await probePgTools(name, options.pgBinDir), options);
}

/** The candidates' versions: started before the server's version is known, so the two overlap. */
export interface PgToolProbe {
  name: PgToolName;
  seen: PgTool[];
  problems: string[];
}

export async function probePgTools(name: PgToolName, pgBinDir: string | undefined): Promise<PgToolProbe> {
  const paths = pgBinDir ? [join(pgBinDir, name)] : candidates(name);
  // Probed in parallel: each is a process start. Whether setpriv can tie the tool to this process
  // is asked meanwhile too, so the tool's own start does not wait for it.
  const [versions] = await Promise.all([Promise.all(paths.map((path) => toolVersion(path))), probeDieWithParent()]);
  const seen: PgTool[] = [];
  const problems: string[] = [];
  versions.forEach((v, i) => {
    if (typeof v === 'string') problems.push(v);
    else seen.push({ name, path: paths[i]!, ...v });
  });
  return { name, seen, problems };
}

export function pickPgTool(probe: PgToolProbe, options: { pgBinDir?: string | undefined; atLeast: number; why: string }): PgTool {
  const { name, seen, problems } = probe;
  // The newest that fits (PATH first among equals): a newer pg_dump/pg_restore reads and writes every older format.
  const best = seen.filter((t) => t.major >= options.atLeast).sort((a, b) => b.major - a.major)[0];
  if (best) return best;
  const install = `install the PostgreSQL ${options.atLeast} client tools (apt install postgresql-client-${options.atLeast}, dnf install postgresql${options.atLeast}, brew install postgresql@${options.atLeast})`;
  const pointAt = options.pgBinDir ? 'or point --pg-bin-dir at a newer bin folder' : 'or pass --pg-bin-dir with the folder that holds them';
  if (seen.length === 0) {
    const where = options.pgBinDir ? `in ${options.pgBinDir}` : 'on PATH or in the usual install folders';
    throw new MigratorError('E_PG_TOOL', `${name} not found ${where}${problems.length && options.pgBinDir ? ` (${problems[0]})` : ''}: ${options.why} needs it`, {
      hint: `${install}, ${pointAt}`,
    });
  }
  const newest = [...seen].sort((a, b) => b.major - a.major)[0]!;
  throw new MigratorError(
    'E_PG_TOOL',
    `${name} ${newest.version} (${newest.path}) is older than PostgreSQL ${options.atLeast}, which ${options.why} needs`,
    { hint: `${install}, ${pointAt}` },
  );
}
