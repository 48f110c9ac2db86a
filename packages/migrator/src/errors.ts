/**
 * Every failure a caller may handle is a MigratorError with a stable `code`. Messages are one
 * line: what happened, then what to do next. Only apps/cli maps these to exit codes and text.
 */
export class MigratorError extends Error {
  readonly code: string;
  /** The exact next step for the user, when there is one. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

export class ConfigError extends MigratorError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('E_CONFIG', message, options);
  }
}

export class ConnectionError extends MigratorError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('E_CONNECTION', message, options);
  }
}

export class JournalError extends MigratorError {
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('E_JOURNAL', message, options);
    this.path = path;
  }
}

export class SqlSyntaxError extends MigratorError {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
  constructor(file: string | undefined, line: number, column: number, detail: string, options: { cause?: unknown } = {}) {
    super('E_SQL_SYNTAX', `${file ?? '<sql>'}:${line}:${column}: syntax error: ${detail}`, {
      ...options,
      hint: 'fix the SQL at that position (run `sdk db lint` to check every file), then run the command again',
    });
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

export class ChecksumMismatchError extends MigratorError {
  readonly tag: string;
  readonly file: string;
  readonly appliedHash: string;
  readonly fileHash: string;
  constructor(tag: string, file: string, appliedHash: string, fileHash: string) {
    super(
      'E_CHECKSUM',
      `migration ${tag} was edited after it was applied: ${file} has sha256 ${fileHash.slice(0, 12)}… but the database recorded ${appliedHash.slice(0, 12)}…`,
      { hint: `restore the original file (git checkout -- ${file}) and put the change in a new migration with \`pnpm db:generate\`` },
    );
    this.tag = tag;
    this.file = file;
    this.appliedHash = appliedHash;
    this.fileHash = fileHash;
  }
}

export class MigrationOrderError extends MigratorError {
  readonly tags: string[];
  constructor(tags: string[], newestApplied: string) {
    super(
      'E_OUT_OF_ORDER',
      `${tags.length === 1 ? 'migration' : 'migrations'} ${tags.join(', ')} ${tags.length === 1 ? 'is' : 'are'} older than the newest applied migration ${newestApplied} and not applied (merged from an older branch?)`,
      { hint: 'review them, then run `sdk db migrate --allow-out-of-order` to apply them, or regenerate them after the newest migration' },
    );
    this.tags = tags;
  }
}

export class MissingMigrationError extends MigratorError {
  readonly tags: string[];
  constructor(tags: string[]) {
    super('E_MISSING', `applied ${tags.length === 1 ? 'migration' : 'migrations'} ${tags.join(', ')} ${tags.length === 1 ? 'is' : 'are'} missing from the migrations folder`, {
      hint: 'restore the files from git (the database already has these changes), or check that --migrations points at the right folder',
    });
    this.tags = tags;
  }
}

export class LockTimeoutError extends MigratorError {
  readonly attempts: number;
  constructor(what: string, attempts: number, options: { cause?: unknown } = {}) {
    super('E_LOCK_TIMEOUT', `${what}: could not get its lock within lock_timeout after ${attempts} attempts; nothing was left locked`, {
      ...options,
      hint: 'find the blocking sessions with `sdk db status`, let them finish (or end them), then run the command again; or raise --lock-timeout / --max-retries',
    });
    this.attempts = attempts;
  }
}

export class AdvisoryLockError extends MigratorError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_LOCKED', message, { ...options, hint: 'wait for the other run to finish (see `sdk db status`), then run the command again' });
  }
}

export class MigrationFailedError extends MigratorError {
  readonly tag: string;
  readonly statementIndex: number;
  constructor(tag: string, statementIndex: number, detail: string, options: { cause?: unknown; hint?: string } = {}) {
    super('E_MIGRATION_FAILED', `migration ${tag} failed at statement ${statementIndex + 1}: ${detail}`, {
      hint: options.hint ?? 'fix the migration (or the data it trips on), then run `sdk db migrate` again: completed statements are not repeated',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.tag = tag;
    this.statementIndex = statementIndex;
  }
}

export function isMigratorError(error: unknown): error is MigratorError {
  return error instanceof MigratorError;
}
