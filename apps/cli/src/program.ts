import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_ADVISORY_LOCK_WAIT_MS,
  DEFAULT_BACKUP_LOCK_TIMEOUT_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_RETRY_FOR_MS,
  DEFAULT_RESTORE_LOCK_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from '@big0290/migrator/defaults';
import { Output } from './output.js';
import { runCommand } from './run.js';
import type { GenerateFlags } from './commands/db-generate.js';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number, e.g. 2000');
  return n;
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

interface Common {
  databaseUrl?: string;
  migrations?: string;
  json?: boolean;
  verbose?: boolean;
}

function withCommon(command: Command, databaseUrl = 'target database (default: DATABASE_URL, then .env, then the embedded PostgreSQL)'): Command {
  return command
    .option('--database-url <url>', databaseUrl)
    .option('--migrations <path>', 'migrations folder (default: packages/db-config/migrations)')
    .option('--json', 'print one JSON object on stdout')
    .option('--verbose', 'more detail, and stack traces on errors');
}

/** Sets the exit code from a command; handlers are imported lazily so `sdk --help` stays fast. */
function action<T extends Common>(run: (options: T, out: Output) => Promise<number>) {
  return async (options: T) => {
    process.exitCode = await runCommand(options, (out) => {
      out.addSecretsOf(options.databaseUrl);
      if (options.databaseUrl && /:\/\/[^/@]*:[^/@]+@/.test(options.databaseUrl)) {
        out.info('note: --database-url puts the password in the process list; prefer the DATABASE_URL environment variable');
      }
      return run(options, out);
    });
  };
}

/**
 * commander's own messages (unknown option, bad value) can echo what was typed, e.g.
 * `--databse-url=postgres://u:PASSWORD@h`: scrub them too, and keep each on one line.
 */
function scrubbedOutput(argv: readonly string[]) {
  const out = new Output();
  for (const arg of argv) if (arg.includes('@')) out.addSecretsOf(arg);
  return {
    writeOut: (text: string) => process.stdout.write(out.scrub(text)),
    writeErr: (text: string) => process.stderr.write(out.scrub(text)),
    outputError: (text: string, write: (text: string) => void) =>
      write(`${text.replace(/\s*\n\s*/g, ' ').trim()} (see --help)\n`),
  };
}

export function buildProgram(argv: readonly string[] = process.argv): Command {
  const program = new Command('sdk')
    .description('Safe, zero-downtime PostgreSQL migrations for Drizzle')
    .version((createRequire(import.meta.url)('../package.json') as { version: string }).version)
    .configureOutput(scrubbedOutput(argv))
    .exitOverride()
    .addHelpText(
      'after',
      '\nTarget: --database-url, else DATABASE_URL, else DATABASE_URL in .env, else an embedded PostgreSQL kept in .sdk/postgres.\nExit codes: 0 success, 1 failure (or `db status`: something needs attention), 2 bad usage.',
    );

  const db = program.command('db').description('migrate, inspect and protect the database');

  withCommon(db.command('migrate').description('apply pending migrations safely (advisory lock, lock timeouts, retries, CONCURRENTLY outside transactions)'))
    .addOption(
      new Option('--phase <phase>', 'expand: stop before the first contract migration; contract: apply what expand held back (after the app was deployed)').choices(['expand', 'contract', 'all']).default('all'),
    )
    .option('--to <tag>', 'stop after this migration')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--allow-out-of-order', 'apply migrations older than the newest applied one')
    .option('--lock-timeout <ms>', 'lock_timeout for every statement', nonNegativeInt, DEFAULT_LOCK_TIMEOUT_MS)
    .option('--statement-timeout <ms>', 'statement_timeout for statements in a transaction (0 = none)', nonNegativeInt, DEFAULT_STATEMENT_TIMEOUT_MS)
    .option('--retry-for <duration>', `keep retrying a statement that loses a lock race (lock timeout, deadlock) this long, pausing longer each time up to 10s (default ${DEFAULT_RETRY_FOR_MS / 60_000}m)`, duration)
    .option('--max-retries <n>', 'at most this many retries of a statement, whatever the time', nonNegativeInt)
    .option('--reset-progress <tag>', 'run a partly applied migration again from its first statement (after checking what already ran); repeatable', collect, [])
    .option('--lock-wait <ms>', 'how long to wait for another run holding the migration lock', nonNegativeInt, DEFAULT_ADVISORY_LOCK_WAIT_MS)
    .action(action(async (options, out) => (await import('./commands/db-migrate.js')).dbMigrate(options, out)));

  withCommon(db.command('status').description('show each migration with its phase and state, and the newest verified backup; exit 1 when something needs attention'))
    .option('--backup-dir <path>', 'backup folder (default: SDK_BACKUP_DIR, else .sdk/backups in the project)')
    .action(
    action(async (options, out) => (await import('./commands/db-status.js')).dbStatus(options, out)),
  );

  withCommon(db.command('repair').description('list applied migrations whose files changed since (comments only, or which statements); --accept records the current text as applied, running nothing'))
    .option('--accept <tag>', 'record this edited migration\'s current text as applied (repeatable)', collect, [])
    .option('--lock-wait <ms>', 'how long to wait for another run holding the migration lock', nonNegativeInt, DEFAULT_ADVISORY_LOCK_WAIT_MS)
    .action(action(async (options, out) => (await import('./commands/db-repair.js')).dbRepair(options, out)));

  withCommon(
    db
      .command('lint')
      .description('check migration SQL for statements that lock, rewrite or break a busy database; exit 1 when an error remains')
      .argument('[paths...]', 'migration files or folders (default: the migrations folder)'),
    'only to read the PostgreSQL version the verdicts are for (default: DATABASE_URL, then .env; never the embedded server)',
  )
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'github', 'sarif']).default('pretty'))
    .option('--pg-version <major>', 'judge for this PostgreSQL major version (default: the target database\'s; without DATABASE_URL, the embedded PostgreSQL\'s)', nonNegativeInt)
    .option('--list-rules', 'list every rule with its severity and title')
    .action(async (paths: string[], options: LintFlags) => {
      process.exitCode = await runCommand({ ...options, json: options.json || options.format === 'json' }, async (out) => {
        out.addSecretsOf(options.databaseUrl);
        return (await import('./commands/db-lint.js')).dbLint(paths, options, out);
      });
    });

  withCommon(db.command('generate').description('run drizzle-kit generate, then lint the migration files it wrote; exit 1 when drizzle-kit failed or a lint error remains'))
    .option('--config <path>', 'drizzle config (default: packages/db-config/drizzle.config.ts)')
    .option('--name <name>', 'migration name, passed to drizzle-kit')
    .option('--custom', 'write an empty migration for hand-written SQL, passed to drizzle-kit')
    .addOption(new Option('--format <format>', 'lint output format').choices(['pretty', 'json', 'github', 'sarif']).default('pretty'))
    .option('--pg-version <major>', 'judge for this PostgreSQL major version (default: as `db lint`)', nonNegativeInt)
    .action(async (options: GenerateFlags) => {
      process.exitCode = await runCommand({ ...options, json: options.json || options.format === 'json' }, async (out) =>
        (await import('./commands/db-generate.js')).dbGenerate(options, out),
      );
    });

  const server = (name: string, description: string) =>
    db.command(name).description(description).option('--json', 'print one JSON object on stdout').option('--verbose', 'stack traces on errors');
  server('start', 'start the embedded PostgreSQL (.sdk/postgres) and keep it running until `db stop`; prints its URL (the password stays in .sdk/pgpass)').action(
    action(async (options, out) => (await import('./commands/db-server.js')).dbStart(options, out)),
  );
  server('stop', 'stop the embedded PostgreSQL (its data stays); says so when it is not running').action(
    action(async (options, out) => (await import('./commands/db-server.js')).dbStop(options, out)),
  );
  server('url', 'print the URL of the embedded PostgreSQL that `db start` keeps running (no password: PGPASSFILE=.sdk/pgpass); exit 1 when it is not running or DATABASE_URL is set').action(
    action(async (options, out) => (await import('./commands/db-server.js')).dbUrl(options, out)),
  );
  db.command('studio')
    .description('run drizzle-kit studio on the database sdk commands use (DATABASE_URL, else the embedded PostgreSQL, started if needed) until Ctrl-C')
    .option('--database-url <url>', 'database to browse (default: DATABASE_URL, then .env, then the embedded PostgreSQL)')
    .option('--config <path>', 'drizzle config (default: packages/db-config/drizzle.config.ts, which reads DATABASE_URL)')
    .option('--port <n>', 'Studio\'s local port (drizzle-kit\'s default: 4983)', positiveInt)
    .option('--host <host>', 'Studio\'s local host (drizzle-kit\'s default: 127.0.0.1)')
    .option('--verbose', 'stack traces on errors')
    .action(action(async (options, out) => (await import('./commands/db-studio.js')).dbStudio(options, out)));

  withCommon(db.command('plan').description('show what each pending migration will lock, rewrite and scan on the target, with table sizes, estimated durations and current lock holders'))
    .option('--trace', 'also run each pending migration in a rolled-back transaction on a scratch copy of the schema and report the locks and rewrites actually seen')
    .option('--pg-version <major>', 'judge for this PostgreSQL major version (default: the target server\'s)', nonNegativeInt)
    .action(action(async (options, out) => (await import('./commands/db-plan.js')).dbPlan(options, out)));

  const backupTarget = 'database to back up (default: DATABASE_URL, then .env, then the embedded PostgreSQL)';
  withConnection(db.command('backup').description('back up the database with pg_dump and write a manifest (sha256, versions, migrations, exact row counts); --verify proves it restores'), backupTarget)
    .option('--output <path>', 'archive path (default: <backup dir>/pre-migration-<database>-<UTC YYYYMMDD-HHMMSS>.dump)')
    .addOption(new Option('--format <format>', 'archive format').choices(['custom', 'directory']).default('custom'))
    .option('--jobs <n>', 'parallel pg_dump workers (directory format)', positiveInt)
    .option('--verify', 'then restore it into a scratch database and compare every table\'s row count (as verify-backup)')
    .option('--lock-timeout <ms>', 'fail when a table stays locked this long (a migration holding it); 0 waits forever', nonNegativeInt, DEFAULT_BACKUP_LOCK_TIMEOUT_MS)
    .option('--smoke <sql>', 'with --verify: a read-only query that must succeed on the restored copy (repeatable)', collect, [])
    .option('--backup-dir <path>', 'backup folder (default: SDK_BACKUP_DIR, else .sdk/backups in the project)')
    .option('--pg-bin-dir <path>', 'folder holding pg_dump and pg_restore (default: PATH, then the usual install folders)')
    .action(action(async (options, out) => (await import('./commands/db-backup.js')).dbBackup(options, out)));

  withConnection(
    db
      .command('verify-backup')
      .description('prove a backup restores: check its checksum, restore it into a scratch database, compare tables and exact row counts with the manifest, run smoke queries, drop the scratch database')
      .argument('<path>', 'the archive (or its .manifest.json)'),
    'server to make the scratch database on (default: DATABASE_URL, then .env, then the embedded PostgreSQL)',
  )
    .option('--scratch-url <url>', 'another server to restore on instead (any database there; objects restored without owners and grants)')
    .option('--smoke <sql>', 'a read-only query that must succeed on the restored copy (repeatable)', collect, [])
    .option('--jobs <n>', 'parallel pg_restore workers', positiveInt)
    .option('--pg-bin-dir <path>', 'folder holding pg_restore')
    .action(positional((path, options, out) => import('./commands/db-backup.js').then((m) => m.dbVerifyBackup(path, options, out))));

  withConnection(
    db
      .command('restore')
      .description('replace the database with a backup in one transaction (what came after the backup is dropped, pg_restore --clean script through psql): a failure leaves it as it was')
      .argument('<path>', 'the archive (or its .manifest.json)'),
    'database to restore into (default: DATABASE_URL, then .env, then the embedded PostgreSQL)',
  )
    .option('--yes', 'restore without asking (required without a terminal)')
    .option('--allow-other-database', 'restore a backup made of another database')
    .option('--allow-other-server', 'restore a backup made on another server (a new or rebuilt one)')
    .option('--lock-timeout <ms>', 'give up (and roll back) when a statement waits this long for a lock; 0 waits forever', nonNegativeInt, DEFAULT_RESTORE_LOCK_TIMEOUT_MS)
    .option('--pg-bin-dir <path>', 'folder holding pg_restore')
    .action(positional((path, options, out) => import('./commands/db-backup.js').then((m) => m.dbRestore(path, options, out))));

  const backups = db.command('backups').description('list and prune the backups in the backup folder');
  backups
    .command('list')
    .description('every backup, newest first: database, size, rows, newest migration, verified, state')
    .option('--backup-dir <path>', 'backup folder (default: SDK_BACKUP_DIR, else .sdk/backups in the project)')
    .option('--json', 'print one JSON object on stdout')
    .option('--verbose', 'stack traces on errors')
    .action(action(async (options, out) => (await import('./commands/db-backup.js')).dbBackupsList(options, out)));
  backups
    .command('prune')
    .description('delete backups older than --keep-days; never the newest verified backup of a database')
    .option('--keep-days <n>', 'keep backups made in the last N days (the guide keeps 7)', nonNegativeInt, 7)
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .option('--backup-dir <path>', 'backup folder (default: SDK_BACKUP_DIR, else .sdk/backups in the project)')
    .option('--json', 'print one JSON object on stdout')
    .option('--verbose', 'stack traces on errors')
    .action(action(async (options, out) => (await import('./commands/db-backup.js')).dbBackupsPrune(options, out)));

  return program;
}

function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of at least 1, e.g. 2');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function withConnection(command: Command, databaseUrl: string): Command {
  return command
    .option('--database-url <url>', databaseUrl)
    .option('--json', 'print one JSON object on stdout')
    .option('--verbose', 'more detail, and stack traces on errors');
}

/** `action` for commands with one positional argument. */
function positional<T extends Common>(run: (arg: string, options: T, out: Output) => Promise<number>) {
  return async (arg: string, options: T) => action<T>((o, out) => run(arg, o, out))(options);
}

export interface LintFlags extends Common {
  format: 'pretty' | 'json' | 'github' | 'sarif';
  pgVersion?: number;
  listRules?: boolean;
}
