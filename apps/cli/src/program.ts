import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS, DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_MAX_RETRIES, DEFAULT_STATEMENT_TIMEOUT_MS } from '@big0290/migrator/defaults';
import { Output } from './output.js';
import { runCommand } from './run.js';
import type { GenerateFlags } from './commands/db-generate.js';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number, e.g. 2000');
  return n;
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
    .addOption(new Option('--phase <phase>', 'expand: stop before the first contract migration').choices(['expand', 'all']).default('all'))
    .option('--to <tag>', 'stop after this migration')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--allow-out-of-order', 'apply migrations older than the newest applied one')
    .option('--lock-timeout <ms>', 'lock_timeout for every statement', nonNegativeInt, DEFAULT_LOCK_TIMEOUT_MS)
    .option('--statement-timeout <ms>', 'statement_timeout for statements in a transaction (0 = none)', nonNegativeInt, DEFAULT_STATEMENT_TIMEOUT_MS)
    .option('--max-retries <n>', 'retries after a lock timeout', nonNegativeInt, DEFAULT_MAX_RETRIES)
    .option('--lock-wait <ms>', 'how long to wait for another run holding the migration lock', nonNegativeInt, DEFAULT_ADVISORY_LOCK_WAIT_MS)
    .action(action(async (options, out) => (await import('./commands/db-migrate.js')).dbMigrate(options, out)));

  withCommon(db.command('status').description('show each migration with its phase and state; exit 1 when something needs attention')).action(
    action(async (options, out) => (await import('./commands/db-status.js')).dbStatus(options, out)),
  );

  withCommon(
    db
      .command('lint')
      .description('check migration SQL for statements that lock, rewrite or break a busy database; exit 1 when an error remains')
      .argument('[paths...]', 'migration files or folders (default: the migrations folder)'),
    'only to read the PostgreSQL version the verdicts are for (default: DATABASE_URL, then .env; never the embedded server)',
  )
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'github', 'sarif']).default('pretty'))
    .option('--pg-version <major>', 'judge for this PostgreSQL major version (default: the target database\'s, else the newest known)', nonNegativeInt)
    .option('--list-rules', 'list every rule with its severity and title')
    .action(async (paths: string[], options: LintFlags) => {
      process.exitCode = await runCommand({ ...options, json: options.json || options.format === 'json' }, async (out) => {
        out.addSecretsOf(options.databaseUrl);
        return (await import('./commands/db-lint.js')).dbLint(paths, options, out);
      });
    });

  withCommon(db.command('generate').description('run drizzle-kit generate, then lint the migration files it wrote; exit 1 when an error remains'))
    .option('--config <path>', 'drizzle config (default: packages/db-config/drizzle.config.ts)')
    .option('--name <name>', 'migration name, passed to drizzle-kit')
    .option('--custom', 'write an empty migration for hand-written SQL, passed to drizzle-kit')
    .addOption(new Option('--format <format>', 'lint output format').choices(['pretty', 'json', 'github', 'sarif']).default('pretty'))
    .option('--pg-version <major>', 'judge for this PostgreSQL major version', nonNegativeInt)
    .action(async (options: GenerateFlags) => {
      process.exitCode = await runCommand({ ...options, json: options.json || options.format === 'json' }, async (out) =>
        (await import('./commands/db-generate.js')).dbGenerate(options, out),
      );
    });

  withCommon(db.command('plan').description('show what each pending migration will lock, rewrite and scan on the target, with table sizes, estimated durations and current lock holders'))
    .option('--trace', 'also run each pending migration in a rolled-back transaction on a scratch copy of the schema and report the locks and rewrites actually seen')
    .option('--pg-version <major>', 'judge for this PostgreSQL major version (default: the target server\'s)', nonNegativeInt)
    .action(action(async (options, out) => (await import('./commands/db-plan.js')).dbPlan(options, out)));

  return program;
}

export interface LintFlags extends Common {
  format: 'pretty' | 'json' | 'github' | 'sarif';
  pgVersion?: number;
  listRules?: boolean;
}
