import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MigratorError } from '../errors.js';

export type PgToolName = 'pg_dump' | 'pg_restore';

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
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) found.push(join(dir, name));
  for (const [root, bin] of VERSIONED_DIRS) {
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = bin(entry);
      if (dir) found.push(join(dir, name));
    }
  }
  return [...new Set(found)].filter((path) => existsSync(path));
}

/**
 * Finds `pg_dump` or `pg_restore` at least `atLeast` (the server's major version for pg_dump,
 * which refuses a newer server; the archive's for pg_restore): in `pgBinDir` only when given,
 * else on PATH, else in the usual versioned install folders, the newest that fits. When none
 * fits, the error names what was found and what to install.
 */
export async function findPgTool(name: PgToolName, options: { pgBinDir?: string | undefined; atLeast: number; why: string }): Promise<PgTool> {
  const paths = options.pgBinDir ? [join(options.pgBinDir, name)] : candidates(name);
  const seen: PgTool[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    const v = await toolVersion(path);
    if (typeof v === 'string') problems.push(v);
    else seen.push({ name, path, ...v });
  }
  const fits = seen.filter((t) => t.major >= options.atLeast).sort((a, b) => b.major - a.major);
  // The newest that fits (PATH first among equals): a newer pg_dump/pg_restore reads and writes every older format.
  const best = fits[0];
  if (best) return best;
  const install = `install the PostgreSQL ${options.atLeast} client tools (apt install postgresql-client-${options.atLeast}, dnf install postgresql${options.atLeast}, brew install postgresql@${options.atLeast})`;
  const pointAt = options.pgBinDir ? 'or point --pg-bin-dir at a newer bin folder' : 'or pass --pg-bin-dir with the folder that holds them';
  if (seen.length === 0) {
    const where = options.pgBinDir ? `in ${options.pgBinDir}` : 'on PATH or in the usual install folders';
    throw new MigratorError('E_PG_TOOL', `${name} not found ${where}${problems.length && options.pgBinDir ? ` (${problems[0]})` : ''}: ${options.why} needs it`, {
      hint: `${install}, ${pointAt}`,
    });
  }
  const newest = seen.sort((a, b) => b.major - a.major)[0]!;
  throw new MigratorError(
    'E_PG_TOOL',
    `${name} ${newest.version} (${newest.path}) is older than PostgreSQL ${options.atLeast}, which ${options.why} needs`,
    { hint: `${install}, ${pointAt}` },
  );
}
