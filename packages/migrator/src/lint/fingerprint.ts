import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let files: string[] | undefined;

/**
 * The files whose contents decide a verdict, besides the migrations: every module lint/ can load
 * (its own folder and the floor below it: layers.test.ts keeps it so), this package's
 * package.json and the parser's. Test files, declarations and fixtures (`__corpus__`) are not.
 */
export function engineFiles(): string[] {
  if (files) return files;
  const src = dirname(dirname(fileURLToPath(import.meta.url)));
  const found = [join(src, '..', 'package.json'), createRequire(import.meta.url).resolve('libpg-query/package.json')];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('__')) walk(path);
      } else if (/\.[cm]?[jt]s$/.test(entry.name) && !/\.test\.[jt]s$|\.d\.ts$/.test(entry.name)) {
        found.push(path);
      }
    }
  };
  for (const folder of ['lint', 'sql', 'db', 'operations', 'util']) walk(join(src, folder));
  for (const name of ['errors.js', 'errors.ts']) if (existsSync(join(src, name))) found.push(join(src, name));
  files = found;
  return files;
}

let fingerprint: string | undefined;

/**
 * A fingerprint of the code that judges a file: the name, size and modification time of each of
 * engineFiles(), the versions in the two package.json files, and Node's version. A rebuild writes
 * new modification times; an installed release differs by version. Stat calls only: reading every
 * module would cost more than the rest of a cached run.
 */
export function engineFingerprint(): string {
  if (fingerprint) return fingerprint;
  // Required here, not imported: the replay loads this module for engineFiles only, without node:crypto.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const hash = createHash('sha256').update(`node ${process.version}\0`);
  const [own, parser, ...modules] = engineFiles();
  for (const pkg of [own!, parser!]) hash.update(`${pkg}\0${(JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '?'}\0`);
  for (const path of modules) {
    const stat = statSync(path);
    hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  fingerprint = hash.digest('base64url');
  return fingerprint;
}
