import { Argument, Command, Option } from './commander.js';
import {
  DEFAULT_BACKUP_LOCK_TIMEOUT_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_LONG_TRANSACTION_MS,
  DEFAULT_RETRY_FOR_MS,
  DEFAULT_RESTORE_LOCK_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from '@big0290/migrator/defaults';
import {
  backupDirOption,
  collect,
  dataMigrationsOption,
  databaseUrlOption,
  drizzleConfigOption,
  duration,
  embeddedOption,
  jobsOption,
  jsonOption,
  lintFormatOption,
  lockTimeoutOption,
  lockWaitOption,
  maxReplicaLagOption,
  migrationsOption,
  nonNegativeInt,
  pgBinDirOption,
  pgVersionOption,
  phaseOption,
  positiveInt,
  retryForOption,
  scratchUrlOption,
  smokeOption,
  verboseOption,
  yesOption,
  type GenerateFlags,
  type LintFlags,
  type TargetFlags,
} from './options.js';
import { OPERATION_FORMS, usageOf } from './operation-forms.js';
import { Output } from './output.js';
import type { runCommand as RunCommand } from './run.js';
import { version } from './version.js';

/** run.ts's error boundary, loaded with what it imports only when a command runs (not for --help). */
async function runCommand(...args: Parameters<typeof RunCommand>): ReturnType<typeof RunCommand> {
  return (await import('./run.js')).runCommand(...args);
}

/** The options of every command that prints: --json and --verbose. */
function printing(command: Command): Command {
  return command.addOption(jsonOption()).addOption(verboseOption());
}

/** Where the command connects: --database-url (`what` says what the database is for) and --embedded. */
function connecting(command: Command, what: string): Command {
  return command.addOption(databaseUrlOption(what)).addOption(embeddedOption());
}

/** The options of every command that connects to the target database and prints a result. */
function targeting(command: Command, what = 'target database'): Command {
  return printing(connecting(command, what));
}

/** Sets the exit code from a command; handlers are imported lazily so `sdk --help` stays fast. */
function action<T extends TargetFlags>(run: (options: T, out: Output) => Promise<number>) {
  return async (options: T) => {
    process.exitCode = await runCommand(options, async (out) => {
      out.addSecretsOf(options.databaseUrl);
      if (options.databaseUrl && /:\/\/[^/@]*:[^/@]+@/.test(options.databaseUrl)) {
        out.info('note: --database-url puts the password in the process list; prefer the DATABASE_URL environment variable');
      }
      // Each of these commands connects: pg loads first, without its Cloudflare probe (runtime.ts).
      (await import('./runtime.js')).loadPgDriver();
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

/**
 * The program for `argv`. For `sdk db <command> ...` only that command is defined under `db`: the
 * others are never added to commander (about half of the time `sdk db status --help` spends
 * building the program; issue 15), and nothing the command parses, prints or suggests involves
 * them. A name that is no command (a typo, `help`) gets them all, for commander's suggestion and
 * help.
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  const invoked = argv[2] === 'db' && argv[3] && !argv[3].startsWith('-') ? argv[3] : undefined;
  const program = defineProgram(argv, invoked);
  return invoked && program.commands[0]!.commands.length === 0 ? defineProgram(argv, undefined) : program;
}

/** Stands in for a command that argv does not invoke: every call is accepted, and nothing is kept. */
const INERT: Command = new Proxy({} as Command, { get: () => () => INERT });

function defineProgram(argv: readonly string[], invoked: string | undefined): Command {
  const program = new Command('sdk')
    .description('Safe, zero-downtime PostgreSQL migrations for Drizzle')
    .version(version)
    .configureOutput(scrubbedOutput(argv))
    .exitOverride()
    .addHelpText(
      'after',
      [
        '',
        'Target: --database-url, else DATABASE_URL, else DATABASE_URL in .env, else an embedded PostgreSQL kept in .sdk/postgres (in CI, where CI is set, only with --embedded).',
        'Paths: "migrations" and "drizzleConfig" of sdk.config.json (or .mjs, .js, .ts, or the "sdk" key of package.json) at the project root, else packages/db-config/migrations and packages/db-config/drizzle.config.ts.',
        'Exit codes: 0 success, 1 failure (or `db status`: something needs attention), 2 bad usage.',
      ].join('\n'),
    );

  const db = program.command('db').description('migrate, inspect and protect the database');
  if (invoked) {
    const define = db.command.bind(db);
    db.command = ((nameAndArgs: string, ...rest: never[]) => (nameAndArgs.split(' ')[0] === invoked ? define(nameAndArgs, ...rest) : INERT)) as Command['command'];
  }

  targeting(db.command('migrate').description('apply pending migrations safely (advisory lock, lock timeouts, retries, CONCURRENTLY outside transactions)'))
    .addOption(migrationsOption())
    .addOption(phaseOption())
    .option('--to <tag>', 'stop after this migration')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--allow-out-of-order', 'apply migrations older than the newest applied one')
    .addOption(lockTimeoutOption('lock_timeout for every statement', DEFAULT_LOCK_TIMEOUT_MS))
    .option('--statement-timeout <ms>', 'statement_timeout for statements in a transaction (0 = none)', nonNegativeInt, DEFAULT_STATEMENT_TIMEOUT_MS)
    .addOption(retryForOption(DEFAULT_RETRY_FOR_MS))
    .option('--max-retries <n>', 'at most this many retries of a statement, whatever the time', nonNegativeInt)
    .option('--reset-progress <tag>', 'run a partly applied migration again from its first statement (after checking what already ran); repeatable', collect, [])
    .addOption(dataMigrationsOption())
    .addOption(lockWaitOption())
    .action(action(async (options, out) => (await import('./commands/db-migrate.js')).dbMigrate(options, out)));

  targeting(
    db
      .command('deploy')
      .description('the deploy checklist in one command: preflight (refuses, exit 2), a verified backup, the maintenance flag, migrate, verify (INVALID indexes, NOT VALID constraints, drift, smoke SQL), a report with the restore command; exit 1 when a step failed'),
  )
    .addOption(migrationsOption())
    .addOption(phaseOption())
    .option('--smoke-sql <file>', 'read-only statements that must succeed after the migration (run in a transaction that is rolled back)')
    .option('--maintenance', 'turn the maintenance flag on for the migration, and off again whatever happens')
    .option('--window <text>', 'refuse a contract migration outside this maintenance window, e.g. "Sat 02:00-04:00 Europe/Paris"')
    .option('--notify <url>', 'tell this Slack-compatible webhook when the deploy starts, succeeds or fails (never fails the deploy; shown as scheme and host only)')
    .option('--allow-lint-errors', 'deploy migrations with lint errors (`sdk db lint` shows them)')
    .option('--force', 'deploy even when the preflight finds problems')
    .option('--health-url <url>', "the application's health endpoint (GET, 2xx is healthy): checked before and after, watched during the migration, which pauses between migrations and backfill batches while it fails (shown as scheme and host only)")
    .addOption(maxReplicaLagOption())
    .option('--max-pause <duration>', 'fail the deploy, between two migrations or batches, when one pause of the watcher lasts longer than this (default 5m)', duration)
    .addOption(scratchUrlOption())
    .option('--events <file>', "append every event (steps, migrations, backfill batches, the watcher's samples and pauses, notifications) to this file as JSON lines")
    .addOption(yesOption())
    .addOption(dataMigrationsOption())
    .addOption(backupDirOption())
    .addOption(pgBinDirOption('pg_dump and pg_restore'))
    .addOption(lockTimeoutOption('lock_timeout for every statement', DEFAULT_LOCK_TIMEOUT_MS))
    .addOption(retryForOption(DEFAULT_RETRY_FOR_MS))
    .addOption(lockWaitOption())
    .action(action(async (options, out) => (await import('./commands/db-deploy.js')).dbDeploy(options, out)));

  targeting(
    db
      .command('rollback')
      .description('go back after a deploy: restore the verified pre-deploy backup the last `sdk db deploy` recorded (or --backup), as `sdk db restore` does, or with --operation undo an operation still in its expand phase; asks first'),
  )
    .option('--backup <path>', 'restore this backup instead of the last deploy\'s (`sdk db backups list` shows them)')
    .option('--operation <name>', 'undo this operation (still in its expand phase) instead, as `sdk db rollback-operation`')
    .addOption(yesOption())
    .addOption(migrationsOption())
    .addOption(pgBinDirOption('pg_restore and psql'))
    .addOption(lockTimeoutOption('give up (and roll back) when a statement waits this long for a lock; 0 waits forever', DEFAULT_RESTORE_LOCK_TIMEOUT_MS))
    .action(action(async (options, out) => (await import('./commands/db-rollback.js')).dbRollback(options, out)));

  targeting(
    db
      .command('new')
      .description('write an expand/contract operation (a required column, a rename, a type change, a drop, an index or constraint built without blocking) as migrations and data migrations, checked against the database first')
      .argument('<operation>', `one of: ${OPERATION_FORMS.map((f) => f.kind).join(', ')}`)
      .argument('[args...]', 'its table and columns, as the forms below show'),
  )
    .addOption(migrationsOption())
    .addOption(dataMigrationsOption())
    .option('--name <name>', 'operation name, in its files\' names (default: derived, e.g. add_users_phone_number); a-z, 0-9 and _')
    .option('--type <sql-type>', 'add-required-column, change-column-type: the column\'s SQL type, e.g. "varchar(20)"')
    .option('--default <sql>', 'add-required-column: default for new rows, an SQL expression, e.g. "\'unknown\'"')
    .option('--backfill <sql>', 'add-required-column: value for the existing rows, an SQL expression that may read the row, e.g. "\'unknown\'"')
    .option('--using <sql>', 'change-column-type: the new value computed from the row (default: a cast); add-index: the access method (gin, gist, brin, hash)')
    .option('--columns <list>', 'add-index, add-unique, add-foreign-key: the columns, comma-separated (add-index: expressions too)')
    .option('--unique', 'add-index: a unique index')
    .option('--where <sql>', 'add-index: the predicate of a partial index')
    .option('--index-name <name>', 'add-index: the index\'s name (default: the one PostgreSQL would choose, e.g. users_email_idx)')
    .option('--references <table>', 'add-foreign-key: the referenced table, e.g. auth.users')
    .option('--referenced-columns <list>', 'add-foreign-key: the referenced columns (default: its primary key)')
    .option('--on-delete <action>', 'add-foreign-key: no action, restrict, cascade, set null or set default')
    .option('--on-update <action>', 'add-foreign-key: as --on-delete')
    .option('--check <sql>', 'add-check: the condition, e.g. "amount >= 0"')
    .option('--constraint-name <name>', 'add-foreign-key, add-check, add-unique: the constraint\'s name (default: PostgreSQL\'s style, e.g. orders_user_id_fkey)')
    .option('--partition-by <spec>', 'rewrite-table: partition the new table, e.g. "RANGE (created_at)"')
    .option('--column-type <column=type>', 'rewrite-table: give a column a new type in the new table, e.g. id=bigint (repeatable)', (value: string, previous: string[] | undefined) => collect(value, previous ?? []))
    .option('--dry-run', 'print the plan and the full text of the files it would write; write nothing')
    .addHelpText('after', ['', 'Operations:', ...OPERATION_FORMS.map((f) => `  sdk db new ${usageOf(f)}`)].join('\n'))
    .action(async (operation: string, args: string[], options: TargetFlags) =>
      action((o, out) => import('./commands/db-new.js').then((m) => m.dbNew(operation, args, o as never, out)))(options),
    );

  targeting(
    db
      .command('rollback-operation')
      .description('undo an operation whose expand ran and whose contract did not: run its rollback statements and forget that its migrations and data migrations ran (they are pending again); refused once its contract ran')
      .argument('<name>', 'the operation\'s name (add_users_phone_number) or one of its migrations\' tags'),
  )
    .addOption(migrationsOption())
    .addOption(lockTimeoutOption('lock_timeout of each undo statement', DEFAULT_LOCK_TIMEOUT_MS))
    .addOption(retryForOption(DEFAULT_RETRY_FOR_MS))
    .action(positional((name, options, out) => import('./commands/db-rollback-operation.js').then((m) => m.dbRollbackOperation(name, options, out))));

  targeting(db.command('backfill').description('change the rows of a table that match, in keyset batches that adapt to a target duration and yield to the application; resumable (same name, or same table, set and where)'))
    .requiredOption('--table <table>', 'the table, e.g. public.items')
    .requiredOption('--set <sql>', 'the SET list, e.g. "score = id % 100"')
    .option('--where <sql>', 'the rows that still need it, e.g. "score IS NULL" (re-checked in every batch)')
    .option('--name <name>', 'checkpoint name (default: derived from table, set and where)')
    .option('--batch-ms <ms>', 'target duration of one batch', positiveInt, 100)
    .option('--max-rows-per-batch <n>', 'upper bound on rows per batch', positiveInt)
    .option('--pause-ms <ms>', 'rest after every batch, on top of the throttle', nonNegativeInt)
    .addOption(maxReplicaLagOption())
    .addOption(lockTimeoutOption('lock_timeout of each batch', DEFAULT_LOCK_TIMEOUT_MS))
    .addOption(retryForOption(DEFAULT_RETRY_FOR_MS))
    .option('--no-throttle', 'run flat out, without yielding to the application when the server is busy')
    .option('--dry-run', 'count the rows that match and time one batch (rolled back); change nothing')
    .action(action(async (options, out) => (await import('./commands/db-backfill.js')).dbBackfill(options as never, out)));

  targeting(db.command('backfills').description('list the backfills recorded in the database: running, interrupted, failed and finished, with progress'))
    .action(action(async (options, out) => (await import('./commands/db-backfill.js')).dbBackfills(options, out)));

  targeting(db.command('locks').description('who blocks whom (pg_blocking_pids), lock waits, long and idle-in-transaction sessions, with their age and query; --cancel or --terminate one session after asking'))
    .option('--watch', 'show it again every second until Ctrl-C (with --json, one object per line)')
    .option('--long <duration>', `list transactions open this long or longer (default ${DEFAULT_LONG_TRANSACTION_MS / 60_000}m)`, duration)
    .addOption(new Option('--cancel <pid>', 'cancel the running query of this session (pg_cancel_backend); the session stays').argParser(positiveInt).conflicts('terminate'))
    .addOption(new Option('--terminate <pid>', 'end this session (pg_terminate_backend); its open transaction rolls back').argParser(positiveInt))
    .addOption(yesOption())
    .action(action(async (options, out) => (await import('./commands/db-locks.js')).dbLocks(options, out)));

  targeting(
    db
      .command('maintenance')
      .description('turn the maintenance flag the application reads (isMaintenanceMode of @big0290/db-config) on or off, or show it, with who set it and when')
      .addArgument(new Argument('<state>', 'on, off or status').choices(['on', 'off', 'status'])),
  )
    .option('--message <text>', 'with on: what the application may show its users, e.g. "Back at 02:30 UTC"')
    .action(positional((state, options, out) => import('./commands/db-maintenance.js').then((m) => m.dbMaintenance(state as never, options, out))));

  targeting(db.command('status').description('show each migration with its phase and state, and the newest verified backup; exit 1 when something needs attention'))
    .addOption(migrationsOption())
    .addOption(backupDirOption())
    .addOption(dataMigrationsOption())
    .action(action(async (options, out) => (await import('./commands/db-status.js')).dbStatus(options, out)));

  targeting(db.command('repair').description('list applied migrations whose files changed since (comments only, or which statements); --accept records the current text as applied, running nothing'))
    .addOption(migrationsOption())
    .option('--accept <tag>', 'record this edited migration\'s current text as applied (repeatable)', collect, [])
    .addOption(lockWaitOption())
    .action(action(async (options, out) => (await import('./commands/db-repair.js')).dbRepair(options, out)));

  printing(
    db
      .command('lint')
      .description('check migration SQL for statements that lock, rewrite or break a busy database; exit 1 when an error remains')
      .argument('[paths...]', 'migration files or folders (default: the migrations folder)')
      .addOption(databaseUrlOption('only to read the PostgreSQL version the verdicts are for', '(default: DATABASE_URL, then .env; never the embedded server)'))
      .addOption(migrationsOption()),
  )
    .addOption(lintFormatOption())
    .addOption(pgVersionOption('the target database\'s; without DATABASE_URL, the embedded PostgreSQL\'s'))
    .option('--list-rules', 'list every rule with its severity and title')
    .option('--no-cache', 'judge every file again, without reading or writing the lint cache (node_modules/.cache/sdk)')
    .action(async (paths: string[], options: LintFlags) => {
      process.exitCode = await runCommand({ ...options, json: options.json || options.format === 'json' }, async (out) => {
        out.addSecretsOf(options.databaseUrl);
        return (await import('./commands/db-lint.js')).dbLint(paths, options, out, argv);
      });
    });

  printing(
    db
      .command('generate')
      .description('run drizzle-kit generate (with --safe: then write what would lock or break as expand/contract operations), then lint the migration files it wrote; exit 1 when drizzle-kit failed or a lint error remains')
      .addOption(databaseUrlOption('only to read the PostgreSQL version the lint verdicts are for', '(default: DATABASE_URL, then .env; never the embedded server)'))
      .addOption(migrationsOption()),
  )
    .addOption(drizzleConfigOption())
    .option('--name <name>', 'migration name, passed to drizzle-kit')
    .option('--custom', 'write an empty migration for hand-written SQL, passed to drizzle-kit')
    .option('--safe', 'rewrite what drizzle-kit wrote that would lock a table with rows or break the running application (NOT NULL, rename, type change, plain index, foreign key, check, unique) as expand/contract operations (without it, at a terminal, sdk lists them and asks)')
    .option('--backfill <column=sql>', 'with --safe: the value for the existing rows of a column made NOT NULL, e.g. "auth.users.phone_number=\'unknown\'" (repeatable)', (value: string, previous: string[] | undefined) => collect(value, previous ?? []))
    .addOption(dataMigrationsOption())
    .addOption(lintFormatOption('lint output format'))
    .addOption(pgVersionOption('as `db lint`'))
    .action(async (options: GenerateFlags) => {
      process.exitCode = await runCommand({ ...options, json: options.json || options.format === 'json' }, async (out) => {
        out.addSecretsOf(options.databaseUrl);
        return (await import('./commands/db-generate.js')).dbGenerate(options, out);
      });
    });

  printing(db.command('start').description('start the embedded PostgreSQL (.sdk/postgres) and keep it running until `db stop`; prints its URL (the password stays in .sdk/pgpass)')).action(
    action(async (options, out) => (await import('./commands/db-server.js')).dbStart(options, out)),
  );
  printing(db.command('stop').description('stop the embedded PostgreSQL (its data stays); says so when it is not running')).action(
    action(async (options, out) => (await import('./commands/db-server.js')).dbStop(options, out)),
  );
  printing(db.command('url').description('print the URL of the embedded PostgreSQL that `db start` keeps running (no password: PGPASSFILE=.sdk/pgpass); exit 1 when it is not running or DATABASE_URL is set')).action(
    action(async (options, out) => (await import('./commands/db-server.js')).dbUrl(options, out)),
  );

  // Studio's output is drizzle-kit's: no --json.
  connecting(db.command('studio').description('run drizzle-kit studio on the database sdk commands use (DATABASE_URL, else the embedded PostgreSQL, started if needed) until Ctrl-C'), 'database to browse')
    .addOption(verboseOption())
    .addOption(drizzleConfigOption())
    .option('--port <n>', 'Studio\'s local port (drizzle-kit\'s default: 4983)', positiveInt)
    .option('--host <host>', 'Studio\'s local host (drizzle-kit\'s default: 127.0.0.1)')
    .action(action(async (options, out) => (await import('./commands/db-studio.js')).dbStudio(options, out)));

  targeting(db.command('plan').description('show what each pending migration will lock, rewrite and scan on the target, with table sizes, estimated durations and current lock holders'))
    .addOption(migrationsOption())
    .option('--trace', 'also run each pending migration in a rolled-back transaction on a scratch copy of the schema and report the locks and rewrites actually seen')
    .addOption(pgVersionOption('the target server\'s'))
    .action(action(async (options, out) => (await import('./commands/db-plan.js')).dbPlan(options, out)));

  targeting(db.command('backup').description('back up the database with pg_dump and write a manifest (sha256, versions, migrations, exact row counts); --verify proves it restores'), 'database to back up')
    .option('--output <path>', 'archive path (default: <backup dir>/pre-migration-<database>-<UTC YYYYMMDD-HHMMSS>.dump)')
    .addOption(new Option('--format <format>', 'archive format').choices(['custom', 'directory']).default('custom'))
    .addOption(jobsOption('pg_dump workers (directory format)'))
    .option('--verify', 'then restore it into a scratch database and compare every table\'s row count (as verify-backup)')
    .addOption(lockTimeoutOption('fail when a table stays locked this long (a migration holding it); 0 waits forever', DEFAULT_BACKUP_LOCK_TIMEOUT_MS))
    .addOption(smokeOption('with --verify: '))
    .addOption(backupDirOption())
    .addOption(pgBinDirOption('pg_dump and pg_restore'))
    .action(action(async (options, out) => (await import('./commands/db-backup.js')).dbBackup(options, out)));

  targeting(
    db
      .command('verify-backup')
      .description('prove a backup restores: check its checksum, restore it into a scratch database, compare tables and exact row counts with the manifest, run smoke queries, drop the scratch database')
      .argument('<path>', 'the archive (or its .manifest.json)'),
    'server to make the scratch database on',
  )
    .addOption(scratchUrlOption())
    .addOption(smokeOption())
    .addOption(jobsOption('pg_restore workers'))
    .addOption(pgBinDirOption('pg_restore'))
    .action(positional((path, options, out) => import('./commands/db-backup.js').then((m) => m.dbVerifyBackup(path, options, out))));

  targeting(
    db
      .command('restore')
      .description('replace the database with a backup in one transaction (what came after the backup is dropped, pg_restore --clean script through psql): a failure leaves it as it was')
      .argument('<path>', 'the archive (or its .manifest.json)'),
    'database to restore into',
  )
    .addOption(yesOption())
    .option('--allow-other-database', 'restore a backup made of another database')
    .option('--allow-other-server', 'restore a backup made on another server (a new or rebuilt one)')
    .addOption(lockTimeoutOption('give up (and roll back) when a statement waits this long for a lock; 0 waits forever', DEFAULT_RESTORE_LOCK_TIMEOUT_MS))
    .addOption(pgBinDirOption('pg_restore and psql'))
    .action(positional((path, options, out) => import('./commands/db-backup.js').then((m) => m.dbRestore(path, options, out))));

  const backups = db.command('backups').description('list and prune the backups in the backup folder');
  printing(backups.command('list').description('every backup, newest first: database, size, rows, newest migration, verified, state'))
    .addOption(backupDirOption())
    .action(action(async (options, out) => (await import('./commands/db-backup.js')).dbBackupsList(options, out)));
  printing(backups.command('prune').description('delete backups older than --keep-days; never the newest verified backup of a database'))
    .option('--keep-days <n>', 'keep backups made in the last N days (the guide keeps 7)', nonNegativeInt, 7)
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .addOption(backupDirOption())
    .action(action(async (options, out) => (await import('./commands/db-backup.js')).dbBackupsPrune(options, out)));

  return program;
}

/** `action` for commands with one positional argument. */
function positional<T extends TargetFlags>(run: (arg: string, options: T, out: Output) => Promise<number>) {
  return async (arg: string, options: T) => action<T>((o, out) => run(arg, o, out))(options);
}
