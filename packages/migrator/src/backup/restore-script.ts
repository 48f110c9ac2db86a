import { createInterface } from 'node:readline';
import { spawnTool } from './child.js';
import type { ToolExit } from './process.js';
import type { PgTool } from './tools.js';

/** sdk's own session on the target, the one holding the migration runner's advisory lock during a restore. */
export interface LockHolder {
  pid: number;
  /** Its backend_start in microseconds since the epoch, as the server computes it: with the pid, one session (pids are reused). */
  startedUs: string;
  /** The two int4 keys of the lock (db/advisory-lock.ts ADVISORY_LOCK_KEYS). */
  keys: readonly [number, number];
}

/** The SQL that reads the `LockHolder` facts of the session that runs it. */
export const LOCK_HOLDER_SQL =
  'SELECT pid, (extract(epoch FROM backend_start) * 1000000)::bigint::text AS "startedUs" FROM pg_stat_activity WHERE pid = pg_backend_pid()';

/**
 * The statement run right before the restore's COMMIT: it raises an error, so psql (ON_ERROR_STOP)
 * quits and PostgreSQL rolls the whole restore back, unless sdk's session still holds the
 * migration lock. A psql that outlived a killed sdk (no setpriv, see child.ts) still has the rest
 * of the script and the COMMIT in its pipe; without this it would commit seconds later while a
 * `sdk db migrate` may already hold the lock (issue 9). Checked on the server, in pg_locks, for
 * the holder's pid and backend_start; names are schema-qualified because pg_restore's script
 * empties search_path. Needs PL/pgSQL, which every database has unless someone dropped it (then
 * the restore fails, and rolls back).
 */
export function commitGuard(holder: LockHolder): string {
  const [k1, k2] = holder.keys;
  if (![holder.pid, k1, k2].every(Number.isInteger) || !/^\d+$/.test(holder.startedUs)) throw new Error(`not a session: ${JSON.stringify(holder)}`);
  return [
    '-- sdk: commit only while sdk still holds the migration lock',
    'DO $sdk_commit_guard$',
    'BEGIN',
    '  IF NOT EXISTS (',
    '    SELECT 1 FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid',
    `     WHERE l.locktype = 'advisory' AND l.granted AND l.pid = ${holder.pid} AND l.classid = ${k1} AND l.objid = ${k2} AND l.objsubid = 2`,
    '       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())',
    `       AND (extract(epoch FROM a.backend_start) * 1000000)::bigint = ${holder.startedUs}`,
    '  ) THEN',
    `    RAISE EXCEPTION 'sdk restore: the sdk session holding the migration lock (pid ${holder.pid}) is gone: rolled back instead of committed';`,
    '  END IF;',
    'END',
    '$sdk_commit_guard$;',
    '',
  ].join('\n');
}

/** How much of the end of pg_restore's script is held back until it has exited: its COMMIT is in there. */
const TAIL_BYTES = 4096;
const FINAL_COMMIT = Buffer.from('\nCOMMIT;\n');
/** What pg_restore writes after its final COMMIT: blank lines, comments, psql's `\unrestrict KEY` (15.14 and later). */
const AFTER_COMMIT = /^(?:\s|--[^\n]*(?:\n|$)|\\unrestrict [^\n]*(?:\n|$))*$/;

/**
 * The end of a `pg_restore --single-transaction` script without its final COMMIT, or undefined when
 * the end is not the one pg_restore writes (then nothing may be committed).
 */
export function withoutFinalCommit(tail: Buffer): Buffer | undefined {
  const at = tail.lastIndexOf(FINAL_COMMIT);
  if (at < 0) return undefined;
  const after = tail.subarray(at + FINAL_COMMIT.length);
  if (!AFTER_COMMIT.test(after.toString('utf8'))) return undefined;
  return Buffer.concat([tail.subarray(0, at + 1), after]);
}

export interface ExactRestoreRun {
  exited: Promise<ToolExit & { committed: boolean }>;
}

/**
 * Restores in one transaction of our own making: `BEGIN`, the drops of what the backup does not
 * have, pg_restore's `--clean --if-exists` script, `guard` (see `commitGuard`) and `COMMIT`, sent
 * only once pg_restore has written the whole script (exit 0). psql runs it with ON_ERROR_STOP, so
 * the first error ends the session and PostgreSQL rolls everything back; a script cut short
 * (pg_restore killed, a damaged archive) never gets its COMMIT, and ends the same way.
 *
 * pg_restore writes its script with `--single-transaction`: without it, an archive with large
 * objects gets `BEGIN; ... COMMIT;` around them in the middle of the script, and that COMMIT would
 * commit everything restored so far. Its one COMMIT, at the end, is held back and replaced by ours.
 * Both tools die with sdk where the platform allows (child.ts).
 */
export function runExactRestore(
  pgRestore: PgTool,
  psql: PgTool,
  archive: string,
  drops: string[],
  target: { dbname: string; env: NodeJS.ProcessEnv },
  guard: string,
  onLine: (line: string) => void,
): ExactRestoreRun {
  const writer = spawnTool(pgRestore.path, ['--clean', '--if-exists', '--single-transaction', '--verbose', '--file=-', archive], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reader = spawnTool(psql.path, ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${target.dbname}`, '--file=-'], {
    env: { ...target.env, PGOPTIONS: `${target.env.PGOPTIONS ?? ''} -c client_min_messages=warning`.trim() },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const script = writer.stdout!;
  const input = reader.stdin!;
  const errors: string[] = [];
  const collect = (line: string) => {
    if (/\b(error|fatal):/i.test(line)) errors.push(line.replace(/^psql:<stdin>:\d+:\s*/, ''));
    onLine(line);
  };
  createInterface({ input: writer.stderr! }).on('line', collect);
  createInterface({ input: reader.stderr! }).on('line', collect);
  // psql stops at the first error: pg_restore then writes into a closed pipe, which is expected.
  input.on('error', () => {});
  script.on('error', () => {});
  input.write(`BEGIN;\n${drops.join('\n')}\n`);
  // pg_restore's script goes on to psql as it comes, but for its last TAIL_BYTES.
  let held = Buffer.alloc(0);
  let readerOpen = true;
  script.on('data', (chunk: Buffer) => {
    const all = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
    const cut = Math.max(0, all.length - TAIL_BYTES);
    held = Buffer.from(all.subarray(cut));
    if (!readerOpen || cut === 0) return;
    if (!input.write(all.subarray(0, cut))) {
      script.pause();
      input.once('drain', () => script.resume());
    }
  });
  let commitSent = false;
  const writerDone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    writer.on('error', (error) => {
      errors.push(`pg_restore: ${error.message}`);
      resolve({ code: null, signal: null });
    });
    writer.on('close', (code, signal) => resolve({ code, signal }));
  });
  void writerDone.then(({ code }) => {
    if (code !== 0) return void input.end();
    const end = withoutFinalCommit(held);
    if (!end) {
      errors.push('pg_restore: its script does not end with the COMMIT of --single-transaction as expected, so nothing was committed');
      return void input.end();
    }
    commitSent = true;
    input.end(Buffer.concat([end, Buffer.from(`${guard}COMMIT;\n`)]));
  });
  const exited = new Promise<ToolExit & { committed: boolean }>((resolve) => {
    const stopReading = () => {
      // Nothing reads pg_restore's output any more: drain it, or its 'close' never comes.
      readerOpen = false;
      script.resume();
    };
    reader.on('error', (error) => {
      errors.push(`psql: ${error.message}`);
      stopReading();
      writer.kill('SIGTERM');
      resolve({ code: null, signal: null, errors, committed: false });
    });
    reader.on('close', async (code, signal) => {
      stopReading();
      if (code !== 0) writer.kill('SIGTERM');
      const w = await writerDone;
      const ok = code === 0 && w.code === 0 && commitSent;
      if (code === 0 && w.code !== 0 && !errors.some((e) => e.startsWith('pg_restore'))) errors.push(`pg_restore: the script was cut short (${w.signal ?? `exit ${w.code}`})`);
      resolve({ code: ok ? 0 : (code ?? 1) || 1, signal, errors, committed: ok });
    });
  });
  return { exited };
}
