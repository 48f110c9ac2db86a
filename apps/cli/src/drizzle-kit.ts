import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '@big0290/db-config/paths';
import { MigratorError } from '@big0290/migrator/errors';

/** The drizzle config sdk uses unless --config says otherwise. */
export const DEFAULT_DRIZZLE_CONFIG = join(packageRoot, 'drizzle.config.ts');

/** The drizzle config of `--config`, else @big0290/db-config's; one line and a hint when it is missing. */
export function drizzleConfig(flag: string | undefined): string {
  const config = flag ? resolve(flag) : DEFAULT_DRIZZLE_CONFIG;
  if (!existsSync(config)) {
    throw new MigratorError('E_CONFIG', `${flag ?? config}: no such drizzle config`, { hint: 'pass --config with the path of drizzle.config.ts' });
  }
  return config;
}

/** drizzle-kit as installed for the config's package, else for @big0290/db-config. */
export function drizzleKitBin(cwd: string): string {
  let lastError: unknown;
  for (const from of new Set([cwd, packageRoot])) {
    try {
      // drizzle-kit's exports map hides bin.cjs; it sits beside the main entry.
      return join(dirname(createRequire(join(from, 'package.json')).resolve('drizzle-kit')), 'bin.cjs');
    } catch (error) {
      lastError = error;
    }
  }
  throw new MigratorError('E_CONFIG', `drizzle-kit is not installed where ${relative(process.cwd(), cwd) || '.'} can load it`, {
    cause: lastError,
    hint: 'add it to the package that holds drizzle.config.ts: `pnpm add -D drizzle-kit`',
  });
}
