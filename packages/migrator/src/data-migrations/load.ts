import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MigratorError } from '../errors.js';
import type { DataMigration } from './define.js';

export interface DataMigrationFile {
  /** File name without extension: `0004_backfill_status`. */
  name: string;
  path: string;
  checksum: string;
}

const FILE = /^(\d{4,}_[\w.-]+)\.(ts|mts|js|mjs)$/;

/** The data migration files of `folder`, in name order (none when the folder does not exist). */
export async function listDataMigrations(folder: string | undefined): Promise<DataMigrationFile[]> {
  if (!folder || !existsSync(folder)) return [];
  const names = (await readdir(folder)).filter((n) => FILE.test(n)).sort();
  const seen = new Set<string>();
  const files: DataMigrationFile[] = [];
  for (const file of names) {
    const name = FILE.exec(file)![1]!;
    if (seen.has(name)) throw new MigratorError('E_DATA_MIGRATION', `two data migrations are named ${name} in ${folder}`, { hint: 'keep one file per name' });
    seen.add(name);
    const path = resolve(join(folder, file));
    files.push({ name, path, checksum: createHash('sha256').update(await readFile(path)).digest('hex') });
  }
  return files;
}

/**
 * Imports a data migration's default export. TypeScript files go through tsx (Node 20 cannot
 * import them; tsx compiles on the fly with esbuild), JavaScript files are imported as they are.
 */
export async function loadDataMigration(file: DataMigrationFile): Promise<DataMigration> {
  let module: { default?: unknown };
  try {
    if (/\.m?ts$/.test(file.path)) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(file.path).href, import.meta.url)) as { default?: unknown };
    } else {
      // Keyed by content: an edited file is imported again (Node caches a module by its URL).
      module = (await import(`${pathToFileURL(file.path).href}?sha256=${file.checksum.slice(0, 16)}`)) as { default?: unknown };
    }
  } catch (error) {
    throw new MigratorError('E_DATA_MIGRATION', `data migration ${file.name} could not be loaded: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
      hint: 'fix the file (it must compile and its imports must resolve), then run again',
    });
  }
  // A .ts file outside an ESM package is compiled as CommonJS: its default export comes wrapped.
  let migration = (module.default ?? module) as Partial<DataMigration> & { default?: unknown };
  if (typeof migration.run !== 'function' && migration.default && typeof migration.default === 'object') migration = migration.default as Partial<DataMigration>;
  if (typeof migration?.run !== 'function' || typeof migration.after !== 'string') {
    throw new MigratorError('E_DATA_MIGRATION', `data migration ${file.name} does not export default defineDataMigration({ after, run })`, {
      hint: "export default defineDataMigration({ after: '<tag of the schema migration it follows>', run: async ({ backfill }) => { ... } })",
    });
  }
  return migration as DataMigration;
}
