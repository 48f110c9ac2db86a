import { execFile } from 'node:child_process';
import { connect } from '../db/connect.js';
import { libpqTarget } from '../db/libpq.js';
import { MigratorError } from '../errors.js';
import { migrate } from '../runner/index.js';
import { passwordOf, redactText } from '../util/redact.js';

/** A schema dump larger than this is refused (a schema, not data: even thousands of tables stay far below). */
const MAX_SCHEMA_DUMP_BYTES = 256 * 1024 * 1024;
const PG_DUMP_TIMEOUT_MS = 120_000;

export interface SchemaCopy {
  /** `none` when nothing was pending, so no scratch database was made. */
  method: 'pg_dump' | 'replay' | 'none';
  detail: string;
}

/** The major version of a pg_dump binary, or why it cannot be used. */
export async function pgDumpMajor(path: string): Promise<number | string> {
  try {
    const { stdout } = await run(path, ['--version'], process.env);
    const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1] ?? /(\d+)(?:\.\d+)?/.exec(stdout)?.[1]);
    return Number.isInteger(major) && major > 0 ? major : `\`${path} --version\` printed no version`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${path} not found` : `\`${path} --version\` failed: ${(error as Error).message}`;
  }
}

/**
 * Gives the scratch database the target's schema (no data): with `pg_dump --schema-only` of the
 * target piped into it when a pg_dump at least as new as the server is available (pg_dump refuses
 * a newer server), else by replaying the migrations the target has applied from the folder with
 * the runner. The password goes to pg_dump through PGPASSWORD, never on its command line.
 */
export async function copySchema(options: {
  targetUrl: string;
  scratchUrl: string;
  serverMajor: number;
  migrationsFolder: string;
  lastApplied: string | undefined;
  /** pg_dump binary; `false` to replay the migrations instead. */
  pgDump: string | false;
  /** Recreates the scratch database empty (after a failed restore). */
  reset: () => Promise<void>;
}): Promise<SchemaCopy> {
  let why: string;
  if (options.pgDump === false) why = 'pg_dump not used (pgDump: false)';
  else {
    const major = await pgDumpMajor(options.pgDump);
    if (typeof major === 'string') why = major;
    else if (major < options.serverMajor) why = `pg_dump ${major} cannot dump a PostgreSQL ${options.serverMajor} server`;
    else {
      try {
        const script = await dumpSchema(options.pgDump, options.targetUrl);
        await restore(options.scratchUrl, script);
        return { method: 'pg_dump', detail: `pg_dump ${major} --schema-only of the target` };
      } catch (error) {
        why = `the pg_dump copy failed (${redactText(error instanceof Error ? error.message : String(error), secrets(options.targetUrl))})`;
        await options.reset();
      }
    }
  }
  await replay(options.scratchUrl, options.migrationsFolder, options.lastApplied);
  return {
    method: 'replay',
    detail: `${why}; replayed the ${options.lastApplied ? `applied migrations up to ${options.lastApplied}` : 'applied migrations (none)'} from the folder`,
  };
}

async function dumpSchema(pgDump: string, url: string): Promise<string> {
  const target = libpqTarget(url, 'sdk plan --trace');
  try {
    const { stdout } = await run(pgDump, ['--schema-only', '--no-owner', '--no-privileges', '--no-publications', '--no-subscriptions', `--dbname=${target.dbname}`], target.env);
    return stdout;
  } finally {
    target.dispose();
  }
}

/**
 * Runs a plain-format schema dump as one simple query. pg_dump 17.6/16.10/15.14 and later wrap
 * the script in psql's `\restrict` / `\unrestrict` meta-commands (CVE-2025-8714), which only psql
 * understands: they are dropped here.
 */
async function restore(scratchUrl: string, script: string): Promise<void> {
  const sql = script
    .split('\n')
    .filter((line) => !/^\\(restrict|unrestrict)\b/.test(line))
    .join('\n');
  const client = await connect(scratchUrl, { applicationName: 'sdk plan --trace (restore)' });
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

async function replay(scratchUrl: string, migrationsFolder: string, lastApplied: string | undefined): Promise<void> {
  if (!lastApplied) return;
  try {
    await migrate({ databaseUrl: scratchUrl, migrationsFolder, to: lastApplied, actor: { user: 'sdk plan --trace', gitSha: '' } });
  } catch (error) {
    throw new MigratorError('E_TRACE_SCHEMA', `could not rebuild the target's schema in the scratch database by replaying the applied migrations: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      hint: 'install a pg_dump at least as new as the server (the PostgreSQL client tools) so the schema is copied with pg_dump, then run `sdk db plan` with `trace` again',
    });
  }
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: MAX_SCHEMA_DUMP_BYTES, timeout: PG_DUMP_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim().split('\n')[0];
        reject(Object.assign(new Error(detail || error.message), { code: (error as NodeJS.ErrnoException).code, cause: error }));
      } else resolve({ stdout, stderr });
    });
  });
}

function secrets(url: string): string[] {
  const password = passwordOf(url);
  return password ? [password] : [];
}
