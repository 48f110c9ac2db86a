/**
 * The library's messages name its options as the library spells them, in backticks
 * (`lockTimeoutMs`, `phase` expand); the CLI shows its own flags instead (issue 11: library errors
 * never name CLI flags, the CLI maps them). One table, used for errors, hints and notes.
 */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  accept: '--accept',
  allowLintErrors: '--allow-lint-errors',
  allowOtherDatabase: '--allow-other-database',
  allowOtherServer: '--allow-other-server',
  allowOutOfOrder: '--allow-out-of-order',
  backup: '--backup',
  backupDir: '--backup-dir',
  databaseUrl: '--database-url',
  force: '--force',
  jobs: '--jobs',
  keepDays: '--keep-days',
  lockTimeoutMs: '--lock-timeout',
  maxPauseMs: '--max-pause',
  maxReplicaLagMs: '--max-replica-lag',
  maxRetries: '--max-retries',
  migrationsFolder: '--migrations',
  name: '--name',
  operation: '--operation',
  output: '--output',
  pgBinDir: '--pg-bin-dir',
  pgVersion: '--pg-version',
  phase: '--phase',
  resetProgress: '--reset-progress',
  retryForMs: '--retry-for',
  scratchUrl: '--scratch-url',
  statementTimeoutMs: '--statement-timeout',
  terminate: '--terminate',
  to: '--to',
  trace: '--trace',
  verify: '--verify',
};

/** A flag's value as the library writes it after the option: a number, a phase, or a migration tag. */
const VALUE = '(?: ([0-9][\\w-]*|expand|contract))?';

/** Library text with its option names (`name`, `name` value, `sdk ...` with `name` value) as CLI flags. */
export function withFlags(text: string): string {
  return withCommandFlags(text).replace(new RegExp(`\`(\\w+)\`${VALUE}`, 'g'), (whole, name: string, value?: string) =>
      OPTION_FLAGS[name] ? `\`${OPTION_FLAGS[name]}${value ? ` ${value}` : ''}\`` : whole,
    );
}

/**
 * Only the `sdk ...` with `name` value form, for text that also quotes the user's own names (a
 * lint finding's `name` is as likely a column as an option): `sdk db plan` with `databaseUrl`.
 */
export function withCommandFlags(text: string): string {
  return text.replace(new RegExp(`\`(sdk [^\`]+)\` with \`(\\w+)\`${VALUE}`, 'g'), (whole, command: string, name: string, value?: string) =>
    OPTION_FLAGS[name] ? `\`${command} ${OPTION_FLAGS[name]}${value ? ` ${value}` : ''}\`` : whole,
  );
}
