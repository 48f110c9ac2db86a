import { InvalidArgumentError, Option } from './commander.js';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS } from '@big0290/migrator/defaults';

/**
 * Every option more than one command takes is declared here, once, with the type of what
 * commander hands the command. program.ts composes them; commands import only the types (so
 * imports point one way: program -> commands -> options).
 */

/** Flags of every command that prints a result. */
export interface OutputFlags {
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

/** Flags of the commands that connect to the target database. */
export interface TargetFlags extends OutputFlags {
  databaseUrl?: string | undefined;
  embedded?: boolean | undefined;
}

export interface MigrationsFlags {
  migrations?: string | undefined;
}

export interface DataMigrationsFlags {
  dataMigrations?: string | undefined;
}

export interface BackupDirFlags {
  backupDir?: string | undefined;
}

export interface PgToolFlags {
  pgBinDir?: string | undefined;
}

export type LintFormat = 'pretty' | 'json' | 'github' | 'sarif';

export interface LintFlags extends OutputFlags, MigrationsFlags {
  databaseUrl?: string | undefined;
  format: LintFormat;
  pgVersion?: number | undefined;
  listRules?: boolean | undefined;
  /** false with --no-cache: judge every file again, without the lint cache. */
  cache?: boolean | undefined;
}

export interface GenerateFlags extends LintFlags, DataMigrationsFlags {
  config?: string | undefined;
  name?: string | undefined;
  custom?: boolean | undefined;
  safe?: boolean | undefined;
  backfill?: string[] | undefined;
}

/** Where a target comes from when --database-url is not given, for option descriptions. */
export const TARGET_DEFAULTS = '(default: DATABASE_URL, then .env, then the embedded PostgreSQL; in CI, only with --embedded)';

export function databaseUrlOption(what: string, defaults = TARGET_DEFAULTS): Option {
  return new Option('--database-url <url>', `${what} ${defaults}`);
}

export function embeddedOption(): Option {
  return new Option('--embedded', 'use the embedded PostgreSQL in .sdk/postgres, even when DATABASE_URL is set; in CI (CI set) sdk uses it only with this flag');
}

export function migrationsOption(): Option {
  return new Option('--migrations <path>', 'migrations folder (default: "migrations" of sdk.config.json or of the "sdk" key of package.json, else packages/db-config/migrations)');
}

export function drizzleConfigOption(): Option {
  return new Option('--config <path>', 'drizzle config (default: "drizzleConfig" of sdk.config.json or of the "sdk" key of package.json, else packages/db-config/drizzle.config.ts)');
}

export function jsonOption(): Option {
  return new Option('--json', 'print one JSON object on stdout');
}

export function verboseOption(): Option {
  return new Option('--verbose', 'more detail, and stack traces on errors');
}

/** `--phase`: which migrations a run applies (`db migrate`, `db deploy`). */
export function phaseOption(): Option {
  return new Option('--phase <phase>', 'expand: stop before the first contract migration; contract: apply what expand held back (after the app was deployed)').choices(['expand', 'contract', 'all']).default('all');
}

export function retryForOption(defaultMs: number): Option {
  return new Option(
    '--retry-for <duration>',
    `keep retrying what loses a lock race (lock timeout, deadlock) this long, pausing longer each time up to 10s (default ${defaultMs / 60_000}m)`,
  ).argParser(duration);
}

/** `--max-replica-lag`: the backfill pauses while a replica lags more; the deploy also refuses to start. */
export function maxReplicaLagOption(): Option {
  return new Option('--max-replica-lag <duration>', 'pause while a streaming replica lags more than this, e.g. 2s (db deploy also refuses to start; default there 10s)').argParser(duration);
}

/** `--scratch-url`: where a backup's verification restores (db verify-backup, db deploy). */
export function scratchUrlOption(): Option {
  return new Option('--scratch-url <url>', "another server to restore the backup on to verify it (any database there; objects restored without owners and grants), e.g. when the role may not create databases on the target's");
}

export function dataMigrationsOption(): Option {
  return new Option('--data-migrations <path>', 'tracked data migrations folder (default: "dataMigrations" of the sdk config, else data-migrations beside the migrations folder)');
}

export function backupDirOption(): Option {
  return new Option('--backup-dir <path>', 'backup folder (default: SDK_BACKUP_DIR, else .sdk/backups in the project)');
}

/** `tools`: the PostgreSQL programs the command runs, as the description names them. */
export function pgBinDirOption(tools: string): Option {
  return new Option('--pg-bin-dir <path>', `folder holding ${tools} (default: PATH, then the usual install folders)`);
}

/** `--yes`: the commands that ask before they replace or end something. */
export function yesOption(): Option {
  return new Option('--yes', 'go ahead without asking (required without a terminal)');
}

export function lockWaitOption(): Option {
  return new Option('--lock-wait <ms>', 'how long to wait for another run holding the migration lock').argParser(nonNegativeInt).default(DEFAULT_ADVISORY_LOCK_WAIT_MS);
}

/** `--lock-timeout`: what it bounds and its default differ by command (a statement, a table lock, a restore). */
export function lockTimeoutOption(description: string, defaultMs: number): Option {
  return new Option('--lock-timeout <ms>', description).argParser(nonNegativeInt).default(defaultMs);
}

export function lintFormatOption(what = 'output format'): Option {
  return new Option('--format <format>', what).choices(['pretty', 'json', 'github', 'sarif'] satisfies LintFormat[]).default('pretty');
}

export function pgVersionOption(defaults: string): Option {
  return new Option('--pg-version <major>', `judge for this PostgreSQL major version (default: ${defaults})`).argParser(nonNegativeInt);
}

export function smokeOption(prefix = ''): Option {
  return new Option('--smoke <sql>', `${prefix}a read-only query that must succeed on the restored copy (repeatable)`).argParser(collect).default([]);
}

export function jobsOption(workers: string): Option {
  return new Option('--jobs <n>', `parallel ${workers}`).argParser(positiveInt);
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number, e.g. 2000');
  return n;
}

export function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of at least 1, e.g. 2');
  return n;
}

/** For repeatable options: each use adds one value. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `2m`, `30s`, `1500ms`, `1h`, `1m30s`; a bare number is milliseconds. */
export function duration(value: string): number {
  const text = value.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|min|s|m|h)/.exec(rest);
    if (!m) throw new InvalidArgumentError('expected a duration such as 2m, 30s, 1500ms or 1h');
    total += Number(m[1]) * UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}
