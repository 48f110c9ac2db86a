import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@big0290/migrator/errors';
import { CONFIG_FILES, PACKAGE_JSON_KEY, projectRoot, readPackageJson } from './project-root.js';

export { CONFIG_FILES, PACKAGE_JSON_KEY, projectRoot } from './project-root.js';

/**
 * Where sdk finds the project's files, for a monorepo that does not keep them in
 * `packages/db-config`. Paths are relative to the folder holding the config (the project root).
 *
 * ```json
 * // sdk.config.json, or under an "sdk" key in the root package.json
 * { "migrations": "db/migrations", "drizzleConfig": "db/drizzle.config.ts" }
 * ```
 */
export interface SdkConfig {
  /** The migrations folder drizzle-kit generates into (its `out`) and `sdk db migrate` applies. */
  migrations?: string;
  /** The drizzle config `sdk db generate` and `sdk db studio` run drizzle-kit with. */
  drizzleConfig?: string;
  /** Tracked data migrations (`NNNN_name.ts`), run by `sdk db migrate` in their turn. Default: `data-migrations` beside the migrations folder. */
  dataMigrations?: string;
}

/** Today's layout: what sdk uses for each path the config does not set. */
export const DEFAULT_SDK_CONFIG: Required<Omit<SdkConfig, 'dataMigrations'>> = {
  migrations: 'packages/db-config/migrations',
  drizzleConfig: 'packages/db-config/drizzle.config.ts',
};

/** The project's paths, absolute, and where they were set (for messages). */
export interface ProjectPaths {
  root: string;
  migrations: string;
  drizzleConfig: string;
  /** Set when the config names the data migrations folder. */
  dataMigrations: string | undefined;
  /** `sdk.config.json`, `the "sdk" key of package.json`, or undefined for the default layout. */
  configSource: string | undefined;
  /** The settings the config gave (the others are DEFAULT_SDK_CONFIG's). */
  configured: (keyof SdkConfig)[];
}

/** Reads the project's config (at most one may exist) and fills in the defaults. */
export async function projectPaths(root = projectRoot()): Promise<ProjectPaths> {
  const sources = configSources(root);
  if (sources.length > 1) {
    throw new ConfigError(`${displayPath(root)} holds ${sources.length} sdk configs (${sources.map((s) => s.name).join(', ')}): sdk would not know which one you meant`, {
      hint: 'keep one of them',
    });
  }
  const source = sources[0];
  const config = source ? checked(await source.load(), source.name) : {};
  return {
    root,
    migrations: resolve(root, config.migrations ?? DEFAULT_SDK_CONFIG.migrations),
    drizzleConfig: resolve(root, config.drizzleConfig ?? DEFAULT_SDK_CONFIG.drizzleConfig),
    dataMigrations: config.dataMigrations === undefined ? undefined : resolve(root, config.dataMigrations),
    configSource: source?.name,
    configured: Object.keys(config) as (keyof SdkConfig)[],
  };
}

/**
 * The migrations folder: `--migrations`, else the config's, else `packages/db-config/migrations`.
 * One line naming where the path came from when that folder does not exist.
 */
export async function migrationsFolderOf(flag: string | undefined): Promise<string> {
  if (flag) return resolve(flag);
  const paths = await projectPaths();
  if (!existsSync(paths.migrations)) {
    throw new ConfigError(`no migrations folder at ${displayPath(paths.migrations)} (${whereSet(paths, 'migrations')})`, {
      hint: howToSet(paths, 'migrations', '--migrations PATH', 'path/to/migrations'),
    });
  }
  return paths.migrations;
}

/**
 * The tracked data migrations folder: `--data-migrations`, else the config's `dataMigrations`,
 * else `data-migrations` beside the migrations folder (packages/db-config/data-migrations). It
 * need not exist: then there are none.
 */
export async function dataMigrationsFolderOf(flag: string | undefined, migrationsFolder: string): Promise<string> {
  if (flag) return resolve(flag);
  const configured = (await projectPaths()).dataMigrations;
  return configured ?? resolve(dirname(migrationsFolder), 'data-migrations');
}

/** Says which config set a path, or that it is sdk's default. */
export function whereSet(paths: ProjectPaths, key: keyof SdkConfig): string {
  if (paths.configured.includes(key)) return `"${key}" of ${paths.configSource}`;
  return paths.configSource ? `sdk's default; ${paths.configSource} does not set "${key}"` : `sdk's default; no sdk config in ${displayPath(paths.root)}`;
}

/** The next step for a path that is not where sdk looked: fix the config, pass the flag, or name it once. */
export function howToSet(paths: ProjectPaths, key: keyof SdkConfig, flag: string, example: string): string {
  if (paths.configured.includes(key)) return `fix "${key}" in ${paths.configSource}, or pass ${flag}`;
  return `pass ${flag}, or name it once in ${paths.configSource ?? 'sdk.config.json at the project root'}: { "${key}": "${example}" }`;
}

interface ConfigSource {
  name: string;
  load: () => Promise<unknown>;
}

/** The configs present in `dir`: files of CONFIG_FILES, and the "sdk" key of package.json. */
function configSources(dir: string): ConfigSource[] {
  const sources: ConfigSource[] = [];
  for (const name of CONFIG_FILES) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    sources.push({ name, load: () => (name.endsWith('.json') ? readJson(file, name) : importConfig(file, name)) });
  }
  const pkg = readPackageJson(dir);
  if (pkg && typeof pkg === 'object' && PACKAGE_JSON_KEY in pkg) {
    sources.push({ name: `the "${PACKAGE_JSON_KEY}" key of package.json`, load: async () => (pkg as Record<string, unknown>)[PACKAGE_JSON_KEY] });
  }
  return sources;
}

async function readJson(file: string, name: string): Promise<unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ConfigError(`${name} is not valid JSON: ${(error as Error).message}`, { cause: error, hint: `fix ${displayPath(file)}` });
  }
}

/** Imports a JavaScript (or, where Node strips types, TypeScript) config; its default export is the config. */
async function importConfig(file: string, name: string): Promise<unknown> {
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return module.default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new ConfigError(`${name}: Node ${process.version} cannot load a TypeScript file by itself (Node 22.18 and later can)`, {
        cause: error,
        hint: 'rename it sdk.config.mjs (the same `export default { ... }` without type annotations), or use sdk.config.json or an "sdk" key in package.json',
      });
    }
    throw new ConfigError(`${name} could not be loaded: ${(error as Error).message}`, { cause: error, hint: `fix ${displayPath(file)}` });
  }
}

/** Only the known keys, each a non-empty string: a typo is an error, not a silently ignored setting. */
function checked(value: unknown, name: string): SdkConfig {
  const keys = [...Object.keys(DEFAULT_SDK_CONFIG), 'dataMigrations'];
  const expected = `an object such as { "migrations": "${DEFAULT_SDK_CONFIG.migrations}", "drizzleConfig": "${DEFAULT_SDK_CONFIG.drizzleConfig}" }`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${name} must hold ${expected}`, { hint: name.endsWith('.mjs') || name.endsWith('.js') || name.endsWith('.ts') ? 'export it as the default export: `export default { ... }`' : `fix ${name}` });
  }
  for (const [key, setting] of Object.entries(value)) {
    if (!keys.includes(key)) throw new ConfigError(`${name}: unknown setting "${key}"`, { hint: `sdk reads ${keys.map((k) => `"${k}"`).join(', ')}` });
    if (typeof setting !== 'string' || setting.trim() === '') throw new ConfigError(`${name}: "${key}" must be a path (a non-empty string), relative to the project root`, { hint: `fix ${name}` });
  }
  return value as SdkConfig;
}

/** A path relative to the current directory when it is below it, else absolute. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel || '.';
}
