import { hexByte } from './util/utf8.js';

/**
 * Every failure a caller may handle is a MigratorError with a stable `code`. Messages are one
 * line: what happened, then what to do next. Only apps/cli maps these to exit codes and text.
 */
/**
 * Every error code a caller may see, stable across releases: match on these, never on messages.
 * The last group is raised by the sdk CLI around the library (its embedded server, drizzle-kit).
 */
export type MigratorErrorCode =
  // configuration and input
  | 'E_CONFIG'
  | 'E_CONNECTION'
  | 'E_JOURNAL'
  | 'E_ENCODING'
  | 'E_SQL_SYNTAX'
  | 'E_TRANSACTION_CONTROL'
  | 'E_PHASE_COMMENT'
  | 'E_PG_VERSION'
  | 'E_LINT_PATH'
  | 'E_WINDOW'
  // the runner
  | 'E_CHECKSUM'
  | 'E_MISSING'
  | 'E_OUT_OF_ORDER'
  | 'E_PHASE'
  | 'E_LOCKED'
  | 'E_LOCK_TIMEOUT'
  | 'E_DEADLOCK'
  | 'E_ROW_LOCKS'
  | 'E_MIGRATION_FAILED'
  | 'E_INTERRUPTED'
  | 'E_METADATA_VERSION'
  // backfills
  | 'E_BACKFILL_TABLE'
  | 'E_BACKFILL_NO_KEY'
  | 'E_BACKFILL_SPEC'
  | 'E_BACKFILL_CHANGED'
  | 'E_BACKFILL_RUNNING'
  | 'E_BACKFILL_FAILED'
  | 'E_DATA_MIGRATION'
  // expand/contract operations
  | 'E_OPERATION'
  // the planner's trace
  | 'E_TRACE_SCHEMA'
  | 'E_TRACE_SCRATCH'
  // backups
  | 'E_PG_TOOL'
  | 'E_BACKUP_DIR'
  | 'E_BACKUP_EXISTS'
  | 'E_BACKUP_LOCKED'
  | 'E_BACKUP_DISK_FULL'
  | 'E_BACKUP_FAILED'
  | 'E_BACKUP_MANIFEST'
  | 'E_BACKUP_CHECKSUM'
  | 'E_BACKUP_UNREADABLE'
  | 'E_BACKUP_VERIFY'
  | 'E_RESTORE_FAILED'
  | 'E_RESTORE_OTHER_DATABASE'
  | 'E_RESTORE_OTHER_SERVER'
  // sessions (sdk db locks --cancel/--terminate)
  | 'E_SESSION_NOT_FOUND'
  | 'E_SESSION_REFUSED'
  // sdk db deploy
  | 'E_DEPLOY_PREFLIGHT'
  | 'E_DEPLOY_WATCH'
  | 'E_ROLLBACK'
  // the sdk CLI
  | 'E_DATABASE_URL_SET'
  | 'E_EMBEDDED_IN_USE'
  | 'E_EMBEDDED_NOT_RUNNING'
  | 'E_GENERATE'
  | 'E_GENERATE_NEEDS_TTY';

export class MigratorError extends Error {
  readonly code: MigratorErrorCode;
  /** The exact next step for the user, when there is one. */
  readonly hint: string | undefined;

  constructor(code: MigratorErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
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

/**
 * A migration file that is not valid UTF-8. Read leniently, its bad bytes would become U+FFFD
 * and that replacement character, not what the author wrote, would be stored in the database.
 */
export class MigrationEncodingError extends MigratorError {
  readonly file: string;
  /** 0-based byte offset of the first invalid byte, and its 1-based line and column. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  constructor(file: string, at: { offset: number; byte: number; line: number; column: number }) {
    super(
      'E_ENCODING',
      `${file}:${at.line}:${at.column}: not valid UTF-8 (byte ${hexByte(at.byte)} at byte offset ${at.offset}); read anyway, it would reach the database as U+FFFD instead of the character you wrote`,
      { hint: `re-save the file as UTF-8 (e.g. \`iconv -f latin1 -t utf-8 ${file}\`), check the text at that line, then run the command again` },
    );
    this.file = file;
    this.offset = at.offset;
    this.line = at.line;
    this.column = at.column;
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
  constructor(tag: string, file: string, appliedHash: string, fileHash: string, edit?: { change: string; tracked: boolean; statements?: number[] | undefined }) {
    const what =
      edit?.change === 'statements'
        ? edit.statements?.length
          ? `: statement${edit.statements.length === 1 ? '' : 's'} ${edit.statements.join(', ')} changed`
          : ': its statements changed'
        : '';
    const restore = edit?.tracked === false ? `restore the text that was applied (${file} is not tracked by git)` : `restore the original file (git checkout -- ${file})`;
    super(
      'E_CHECKSUM',
      `migration ${tag} was edited after it was applied${what}: ${file} has sha256 ${fileHash.slice(0, 12)}… but the database recorded ${appliedHash.slice(0, 12)}…`,
      {
        hint: `${restore} and put the change in a new migration with \`pnpm db:generate\`; or, if the database already matches the file, record the edit with \`sdk db repair\` with \`accept\` ${tag}`,
      },
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
      { hint: 'review them, then run `sdk db migrate` with `allowOutOfOrder` to apply them, or regenerate them after the newest migration' },
    );
    this.tags = tags;
  }
}

export class MissingMigrationError extends MigratorError {
  readonly tags: string[];
  constructor(tags: string[]) {
    super('E_MISSING', `applied ${tags.length === 1 ? 'migration' : 'migrations'} ${tags.join(', ')} ${tags.length === 1 ? 'is' : 'are'} missing from the migrations folder`, {
      hint: 'restore the files from git (the database already has these changes), or check that `migrationsFolder` points at the right folder',
    });
    this.tags = tags;
  }
}

/** A session in the way of a statement, as a lock-wait error reports it. */
export interface Blocker {
  pid: number;
  state: string | null;
  durationSeconds: number;
  query: string;
  user?: string | null;
  application?: string | null;
  /** It waits for a lock of the migration's in turn (a cycle): ending it is not the fix. */
  waitsForUs?: boolean;
}

function blockerText(blockers: readonly Blocker[]): string {
  const holders = blockers.filter((b) => !b.waitsForUs);
  if (holders.length === 0) return '';
  const first = holders[0]!;
  const more = holders.length > 1 ? ` and ${holders.length - 1} more` : '';
  return `; blocked by pid ${first.pid} (${first.state ?? 'unknown'} for ${first.durationSeconds}s${first.user ? `, ${first.user}` : ''})${more}`;
}

export class LockTimeoutError extends MigratorError {
  readonly attempts: number;
  /** The sessions seen holding what the statement waited for, at its last attempt. */
  readonly blockers: Blocker[];
  constructor(what: string, attempts: number, options: { cause?: unknown; blockers?: Blocker[]; elapsedMs?: number } = {}) {
    const blockers = options.blockers ?? [];
    const over = options.elapsedMs === undefined ? '' : ` over ${Math.round(options.elapsedMs / 1000)}s`;
    super(
      'E_LOCK_TIMEOUT',
      `${what}: could not get its lock within lock_timeout in ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${over}${blockerText(blockers)}; nothing was left locked`,
      {
        ...(options.cause === undefined ? {} : { cause: options.cause }),
        hint: 'let the blocking sessions finish (or end them), then run the command again; or allow a longer lock timeout or retry time',
      },
    );
    this.attempts = attempts;
    this.blockers = blockers;
  }
}

export class DeadlockError extends MigratorError {
  readonly attempts: number;
  readonly blockers: Blocker[];
  constructor(what: string, attempts: number, options: { cause?: unknown; blockers?: Blocker[] } = {}) {
    const blockers = options.blockers ?? [];
    const cycle = blockers.filter((b) => b.waitsForUs).map((b) => b.pid);
    super(
      'E_DEADLOCK',
      `${what}: deadlock with other sessions in ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${cycle.length ? ` (pid ${cycle.join(', ')} waited for the migration while it waited for them)` : ''}; PostgreSQL rolled the migration's transaction back, nothing was left locked`,
      {
        ...(options.cause === undefined ? {} : { cause: options.cause }),
        hint: 'the migration takes locks in an order that conflicts with the application: split it so that each transaction locks one table, or lock the table first (LOCK TABLE ... IN ... MODE at its start), then run the command again',
      },
    );
    this.attempts = attempts;
    this.blockers = blockers;
  }
}

/**
 * A migration transaction that changed many rows lost a lock race (lock timeout or deadlock).
 * It is not retried: every attempt locks those rows again, and every application write to them
 * waits for the whole transaction.
 */
export class RowLocksError extends MigratorError {
  readonly rows: number;
  readonly reason: 'lock-timeout' | 'deadlock' | 'serialization';
  readonly blockers: Blocker[];
  constructor(what: string, detail: { rows: number; table?: string | undefined; changedBy: string; reason: 'lock-timeout' | 'deadlock' | 'serialization'; blockers?: Blocker[] }, options: { cause?: unknown } = {}) {
    const why = detail.reason === 'deadlock' ? 'deadlock' : detail.reason === 'lock-timeout' ? 'lock timeout' : 'serialization failure';
    super(
      'E_ROW_LOCKS',
      `${what}: ${why} while its transaction held row locks on ${detail.rows.toLocaleString('en-US')} rows${detail.table ? ` of ${detail.table}` : ''} (changed by ${detail.changedBy}); not retried, since each attempt would lock those rows again and stall the application's writes to them`,
      {
        ...(options.cause === undefined ? {} : { cause: options.cause }),
        hint: 'move the data change out of the migrations: once the schema change is deployed, run it with `sdk db backfill --table ... --set ... --where ...` (batches in primary-key order, each its own short transaction); keep the DDL in its own migration, then run `sdk db migrate` again',
      },
    );
    this.rows = detail.rows;
    this.reason = detail.reason;
    this.blockers = detail.blockers ?? [];
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

/**
 * A migration run stopped by a signal (Ctrl-C, SIGTERM): the statement running was cancelled and
 * its transaction rolled back; the migrations that committed before stay applied, and the next
 * `sdk db migrate` resumes where this one stopped.
 */
export class MigrationInterruptedError extends MigratorError {
  /** Migrations this run applied (committed) before the signal. */
  readonly applied: string[];
  /** The migration that was running, whose uncommitted part was rolled back. */
  readonly rolledBack: { tag: string; statement: number; transactional: boolean } | undefined;
  constructor(why: string, applied: string[], rolledBack: MigrationInterruptedError['rolledBack'], options: { cause?: unknown } = {}) {
    const what = rolledBack
      ? rolledBack.transactional
        ? `${rolledBack.tag} statement ${rolledBack.statement + 1} was cancelled and its transaction rolled back`
        : `${rolledBack.tag} statement ${rolledBack.statement + 1} (run outside a transaction) was cancelled; whatever it left is cleaned up and it runs again next time`
      : 'no migration was running';
    super('E_INTERRUPTED', `interrupted by ${why}: ${what}; ${applied.length ? `applied before it: ${applied.join(', ')}` : 'nothing was applied in this run'}`, {
      ...options,
      hint: 'run `sdk db migrate` again to resume: completed migrations and statements are not repeated',
    });
    this.applied = applied;
    this.rolledBack = rolledBack;
  }
}

export function isMigratorError(error: unknown): error is MigratorError {
  return error instanceof MigratorError;
}
