import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MigratorError } from '@big0290/migrator/errors';
import { displayPath, howToSet, projectPaths, projectRoot, whereSet } from './project.js';

/** The drizzle config of `--config`, else the project's (sdk config, else the default layout); one line and a hint when it is missing. */
export async function drizzleConfig(flag: string | undefined): Promise<string> {
  if (flag) {
    const config = resolve(flag);
    if (!existsSync(config)) throw new MigratorError('E_CONFIG', `${flag}: no such drizzle config`, { hint: 'pass --config with the path of drizzle.config.ts' });
    return config;
  }
  const paths = await projectPaths();
  if (!existsSync(paths.drizzleConfig)) {
    throw new MigratorError('E_CONFIG', `${displayPath(paths.drizzleConfig)}: no such drizzle config (${whereSet(paths, 'drizzleConfig')})`, {
      hint: howToSet(paths, 'drizzleConfig', '--config PATH', 'path/to/drizzle.config.ts'),
    });
  }
  return paths.drizzleConfig;
}

/** drizzle-kit as installed for the config's package, else for the project root. */
export function drizzleKitBin(cwd: string): string {
  let lastError: unknown;
  for (const from of new Set([cwd, projectRoot()])) {
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
