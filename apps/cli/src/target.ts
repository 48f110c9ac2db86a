import { parseDatabaseUrl } from '@big0290/migrator/connect';
import { ConfigError } from '@big0290/migrator/errors';
import { givenDatabaseUrl, URL_SOURCE_NAME, type UrlSource } from './database-url.js';
import type { TargetFlags } from './options.js';
import type { Output } from './output.js';
import { projectRoot } from './project.js';
import { UsageError } from './run.js';

export interface Target {
  url: string;
  source: UrlSource | 'embedded';
  /** Stops what the target started (the embedded server); its data persists. */
  close: () => Promise<void>;
}

/**
 * True when the `CI` environment variable says a CI service runs us: every one of them sets it
 * (GitHub Actions, GitLab, CircleCI, Buildkite, Jenkins with the plugin, ...); `false` and `0`
 * are how a person turns it off.
 */
export function runningInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * Where a `sdk db` command points: `--database-url`, else `DATABASE_URL`, else `.env`, else the
 * embedded PostgreSQL (`--embedded` asks for it whatever the environment says). In CI the
 * embedded server is never a silent fallback: a job whose DATABASE_URL secret is missing would
 * migrate a throwaway database, succeed, and leave the real one untouched.
 */
export async function resolveTarget(options: TargetFlags, out: Output): Promise<Target> {
  if (options.embedded && options.databaseUrl) {
    throw new UsageError('--embedded and --database-url name two different databases: pass one of them');
  }
  const given = options.embedded ? undefined : givenDatabaseUrl(options.databaseUrl);
  if (given) {
    out.addSecretsOf(given.url);
    checkUrl(given.url, URL_SOURCE_NAME[given.source]);
    return { ...given, close: async () => {} };
  }
  if (!options.embedded && runningInCi()) {
    throw new UsageError('CI is set and DATABASE_URL is not (a missing CI secret?): set DATABASE_URL to the database this job is for, or pass --embedded to use a throwaway embedded PostgreSQL on purpose');
  }
  // Loaded only when needed: the embedded server's packages are not small.
  const { startEmbeddedDefault } = await import('./embedded.js');
  const embedded = await startEmbeddedDefault(projectRoot(), { secret: (password) => out.addSecret(password) });
  const where = `the embedded PostgreSQL in ${embedded.dataDir} (port ${embedded.port})`;
  out.info(options.embedded ? `sdk: --embedded: using ${where}.` : `sdk: no DATABASE_URL; using ${where}. Set DATABASE_URL to target another database.`);
  return { url: embedded.url, source: 'embedded', close: embedded.stop };
}

/** Rejects a malformed URL up front, naming where it came from and never echoing it (it may hold a password). */
function checkUrl(url: string, name: string): void {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.message.replace(/^the database URL/, name), { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
  }
}
