import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '../db/connect.js';
import { inspectLocks } from '../db/locks.js';
import { DEFAULT_LONG_TRANSACTION_MS, DEFAULT_MAX_REPLICA_LAG_MS } from '../db/defaults.js';
import { ReplicaLag } from '../db/replica-lag.js';
import { QUERY_TEXT_LIMIT } from '../db/sessions.js';
import { planMigrations, type LockSession, type PlannedMigrationReport, type PlanReport } from '../inspect/index.js';
import type { SessionActivity } from '../db/types.js';
import { checkHealth } from '../util/health.js';
import { windowState, type MaintenanceWindow } from '../util/window.js';

/** What the preflight read, and what it found wrong. */
export interface PreflightResult {
  serverVersion: string;
  /** The pending migrations this deploy's phase runs, in order. */
  toRun: PlannedMigrationReport[];
  /** Every pending migration. */
  pending: number;
  problems: string[];
  /** The tables the phase's migrations touch (`schema.table`), for the watcher. */
  touched: string[];
  /**
   * What the checks that find no problem saw, one line each, for the report: the replica lag
   * read, the free disk on the data directory's filesystem or why it could not be read ("disk:
   * skipped: ...": PostgreSQL has no SQL function that reports free disk space).
   */
  notes: string[];
}

/**
 * The migrations a phase runs: `expand` stops before the first contract migration, as `migrate`
 * does; `contract` and `all` run every pending one (`migrate` refuses a contract run while an
 * expand migration is still pending before it, naming it).
 */
export function migrationsOfPhase(plan: readonly PlannedMigrationReport[], phase: 'expand' | 'contract' | 'all'): PlannedMigrationReport[] {
  if (phase !== 'expand') return [...plan];
  const firstContract = plan.findIndex((m) => m.phase === 'contract');
  return firstContract < 0 ? [...plan] : plan.slice(0, firstContract);
}

const seconds = (s: number | null) => (s === null ? '' : `, for ${s} s`);

function sessionLine(s: { pid: number; user?: string | null | undefined; state: string | null; transactionSeconds: number | null; query: string }): string {
  return `pid ${s.pid}${s.user ? ` (${s.user})` : ''} ${s.state ?? 'in an unknown state'}${seconds(s.transactionSeconds)}, last query: ${s.query || '(none)'}`;
}

/**
 * Reads, without changing anything, what would make the deploy unsafe right now: the pending
 * migrations' lint errors (judged against the live database, as `planMigrations` does), sessions
 * holding or waiting for locks on the tables they touch (each statement would queue behind them
 * and every query on the table behind it: https://www.postgresql.org/docs/current/explicit-locking.html),
 * transactions and idle-in-transaction sessions older than the bound (a CONCURRENTLY build waits
 * for them, and they hold their locks), and a contract step outside the maintenance window.
 */
export async function preflight(options: {
  databaseUrl: string;
  migrationsFolder: string;
  phase: 'expand' | 'contract' | 'all';
  allowLintErrors: boolean;
  longTransactionMs: number | undefined;
  /** Refuse while a streaming replica's replay lags more than this (default DEFAULT_MAX_REPLICA_LAG_MS). */
  maxReplicaLagMs?: number | undefined;
  window: MaintenanceWindow | undefined;
  now: Date;
  /** How long to wait before reading again who holds a lock on a touched table (default LOCK_RECHECK_MS). */
  lockRecheckMs?: number | undefined;
  /** The application's health endpoint: it must answer 2xx before anything starts. */
  healthUrl?: string | undefined;
  healthTimeoutMs?: number | undefined;
}): Promise<PreflightResult> {
  const longMs = options.longTransactionMs ?? DEFAULT_LONG_TRANSACTION_MS;
  const plan: PlanReport = await planMigrations({
    databaseUrl: options.databaseUrl,
    migrationsFolder: options.migrationsFolder,
    measureRates: false,
    longTransactionSeconds: Math.round(longMs / 1000),
  });
  const toRun = migrationsOfPhase(plan.migrations, options.phase);
  const problems: string[] = [];
  const notes: string[] = [];
  // Only the tables this phase's migrations touch: a lock on another table is not in the way.
  const touched = new Set(toRun.flatMap((m) => m.statements.flatMap((s) => s.effects.map((e) => e.relation))));

  // A dump or a table rewrite first: its session holds locks and a long transaction, and one line
  // naming what it is says more than those.
  const server = await readServer(options.databaseUrl, [...touched], options.maxReplicaLagMs ?? DEFAULT_MAX_REPLICA_LAG_MS);
  problems.push(...server.problems);
  notes.push(...server.notes);
  const inTheWay = new Set<number>(server.busyPids);

  if (!options.allowLintErrors) {
    for (const m of toRun) {
      for (const v of [...m.fileViolations, ...m.statements.flatMap((s) => s.violations)]) {
        if (v.severity !== 'error') continue;
        // One line each: the rule's help (the safe recipe) is many lines, and `sdk db lint` shows it.
        problems.push(`lint error in ${m.tag} line ${v.line} (${v.rule}): ${v.message.replace(/\.$/, '')}; \`sdk db lint\` shows the safe way to do it (or deploy anyway with \`allowLintErrors\`)`);
      }
    }
  }

  // An application's statements hold locks on these tables all the time, for milliseconds: only
  // a transaction still there, the same one, a moment later is in the way.
  const candidates = plan.lockHolders.filter((s) => !inTheWay.has(s.pid) && s.locks.some((l) => touched.has(l.relation)));
  const staying = await stillHolding(options.databaseUrl, candidates.map((s) => s.pid), [...touched], options.lockRecheckMs ?? LOCK_RECHECK_MS);
  for (const s of candidates) {
    if (!staying.has(s.pid)) continue;
    const locks = s.locks.filter((l) => touched.has(l.relation));
    inTheWay.add(s.pid);
    const what = locks.map((l) => `${l.granted ? 'holds' : 'waits for'} ${l.mode} on ${l.relation}`).join(', ');
    problems.push(
      `session ${sessionLine(s)} ${what}, which the migrations lock: they would queue behind it and every query on the table behind them; let it finish, or end it (\`sdk db locks\` with \`terminate\` ${s.pid})`,
    );
  }

  const locks = await inspectLocks({ databaseUrl: options.databaseUrl, longTransactionMs: longMs });
  const bound = Math.round(longMs / 1000);
  const old = (s: SessionActivity) => !inTheWay.has(s.pid) && (s.transactionSeconds ?? 0) >= bound;
  for (const s of locks.longTransactions.filter(old)) {
    problems.push(
      `session ${sessionLine(s)} has a transaction open longer than ${bound} s: an index built CONCURRENTLY waits for it to end, and it holds its locks; let it finish, or end it (\`sdk db locks\` with \`terminate\` ${s.pid})`,
    );
  }
  for (const s of locks.idleInTransaction.filter(old)) {
    problems.push(
      `session ${sessionLine(s)} is idle in a transaction open longer than ${bound} s: it holds its locks while doing nothing; end it (\`sdk db locks\` with \`terminate\` ${s.pid}) and fix the application that leaves it open`,
    );
  }

  if (options.window) {
    const contract = toRun.filter((m) => m.phase === 'contract');
    const state = windowState(options.window, options.now);
    if (contract.length > 0 && !state.inWindow) {
      const opens = state.opensAt ? `; it opens at ${state.opensAt.toISOString()}` : '';
      problems.push(
        `${contract.map((m) => m.tag).join(', ')} ${contract.length === 1 ? 'is a contract step' : 'are contract steps'} (they break the application version running now) and the maintenance window "${options.window.text}" is closed${opens}; deploy them then, or deploy \`phase\` expand now`,
      );
    }
  }

  if (options.healthUrl) {
    const health = await checkHealth(options.healthUrl, { timeoutMs: options.healthTimeoutMs });
    if (health.ok) notes.push(`health: HTTP ${health.status} in ${health.latencyMs} ms`);
    else problems.push(`the application's health check fails before the deploy (${health.error}): the watcher would hold the migration from its start; fix the application or the health URL first`);
  }

  return { serverVersion: plan.serverVersion, toRun, pending: plan.migrations.length, problems, touched: [...touched], notes };
}

/** How long the preflight waits before it reads again who holds a lock on a touched table. */
export const LOCK_RECHECK_MS = 1_000;

/**
 * Of `pids`, those whose transaction (the same one: same start) holds or waits for a lock on one
 * of `tables` now and still `afterMs` later. A statement of the application's that ran when the
 * plan was read, in its own short transaction, is gone by then.
 */
async function stillHolding(databaseUrl: string, pids: number[], tables: string[], afterMs: number): Promise<Set<number>> {
  if (pids.length === 0) return new Set();
  const client = await connect(databaseUrl, { applicationName: 'sdk db deploy preflight' });
  try {
    const read = async () => {
      const { rows } = await client.query<{ pid: number; xact: string }>(
        `SELECT a.pid, a.xact_start::text AS xact
           FROM pg_catalog.pg_stat_activity a
          WHERE a.pid = ANY ($1::int[]) AND a.xact_start IS NOT NULL
            AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                          JOIN pg_catalog.pg_class c ON c.oid = l.relation
                          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                         WHERE l.pid = a.pid AND n.nspname || '.' || c.relname = ANY ($2::text[]))`,
        [pids, tables],
      );
      return new Map(rows.map((r) => [r.pid, r.xact]));
    };
    const first = await read();
    if (first.size === 0) return new Set();
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    const second = await read();
    return new Set([...first].filter(([pid, xact]) => second.get(pid) === xact).map(([pid]) => pid));
  } finally {
    await client.end().catch(() => {});
  }
}

interface BusyRow {
  pid: number;
  usename: string | null;
  application_name: string | null;
  query: string | null;
  seconds: number | null;
  command: string | null;
  relation: string | null;
  phase: string | null;
  in_progress: boolean;
}

const MIB = 1024 * 1024;
const size = (bytes: number) => (bytes >= 1024 * MIB ? `${(bytes / (1024 * MIB)).toFixed(1)} GiB` : `${(bytes / MIB).toFixed(1)} MiB`);

/**
 * The server-side checks, on one connection: a pg_dump or a table rewrite (VACUUM FULL, CLUSTER)
 * running on this database; the streaming replicas' replay lag; free disk on the data directory's
 * filesystem where it can be read.
 */
async function readServer(databaseUrl: string, touched: string[], maxLagMs: number): Promise<{ problems: string[]; notes: string[]; busyPids: number[] }> {
  const problems: string[] = [];
  const notes: string[] = [];
  const busyPids: number[] = [];
  const client = await connect(databaseUrl, { applicationName: 'sdk db deploy preflight' });
  try {
    // pg_dump names itself (fallback_application_name) and reads each table with COPY ... TO stdout
    // in one long REPEATABLE READ transaction; a VACUUM FULL or CLUSTER shows in
    // pg_stat_progress_cluster once it has its lock, and in pg_stat_activity while it waits for it.
    // A role without pg_read_all_stats sees other users' rewrites without their command: still one.
    // https://www.postgresql.org/docs/15/progress-reporting.html#CLUSTER-PROGRESS-REPORTING
    const { rows } = await client.query<BusyRow>(
      `SELECT a.pid, a.usename, a.application_name, left(a.query, ${QUERY_TEXT_LIMIT}) AS query,
              round(extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, a.query_start)))::int AS seconds,
              p.command, p.relid::regclass::text AS relation, p.phase, p.pid IS NOT NULL AS in_progress
         FROM pg_catalog.pg_stat_activity a
         LEFT JOIN pg_catalog.pg_stat_progress_cluster p ON p.pid = a.pid
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
          AND (p.pid IS NOT NULL
               OR a.application_name ~* 'pg_dump'
               OR (a.state = 'active' AND (a.query ~* '^\\s*copy\\s.*\\sto\\s+stdout'
                                           OR a.query ~* '^\\s*vacuum\\s*\\([^)]*\\mfull\\M'
                                           OR a.query ~* '^\\s*vacuum\\s+(verbose\\s+)?(analyze\\s+)?full\\M'
                                           OR a.query ~* '^\\s*cluster\\M')))
        ORDER BY a.pid`,
    );
    for (const r of rows) {
      busyPids.push(r.pid);
      const who = `pid ${r.pid}${r.usename ? ` (${r.usename}${r.application_name ? `, ${r.application_name}` : ''})` : ''}`;
      const forS = r.seconds !== null ? `, for ${r.seconds} s` : '';
      const query = (r.query ?? '').replace(/\s+/g, ' ').trim();
      const rewrite = r.in_progress || /^\s*(vacuum|cluster)/i.test(query);
      if (rewrite) {
        const what = r.command ?? (/^\s*cluster/i.test(query) ? 'CLUSTER' : r.in_progress ? 'VACUUM FULL or CLUSTER' : 'VACUUM FULL');
        const on = r.relation ? ` of ${r.relation}${r.phase ? ` (${r.phase})` : ''}` : r.in_progress ? '' : ', waiting for its lock';
        problems.push(
          `${who} is running ${what}${on}${forS}: it holds an ACCESS EXCLUSIVE lock while it rewrites the table, and writes a full copy of it; let it finish, or cancel it (\`sdk db locks\` with \`cancel\` ${r.pid})`,
        );
      } else {
        problems.push(
          `${who} is running a pg_dump${forS}${query ? `, now: ${query}` : ''}: it holds a lock on every table it dumps until it ends, so the migrations would queue behind it; let it finish (deploy takes its own backup), or end it (\`sdk db locks\` with \`terminate\` ${r.pid})`,
        );
      }
    }

    // Replica lag: the backfill's reading (one read: replay_lag as PostgreSQL measures it).
    const replicas = new ReplicaLag();
    const lag = await replicas.read(client);
    if (replicas.replicas === 0) notes.push('replica lag: no streaming replica');
    else if (replicas.hidden === replicas.replicas) notes.push(`replica lag: skipped: ${replicas.replicas} replica${replicas.replicas === 1 ? '' : 's'} whose positions this role cannot read (needs pg_read_all_stats)`);
    else if (lag > maxLagMs) {
      problems.push(
        `a streaming replica lags ${(lag / 1000).toFixed(1)} s behind, more than ${(maxLagMs / 1000).toFixed(1)} s: the migrations' WAL would widen it and reads from the replica would see an older schema for longer; wait for it to catch up (pg_stat_replication's replay_lag), or raise \`maxReplicaLagMs\``,
      );
    } else notes.push(`replica lag: ${(lag / 1000).toFixed(1)} s (bound ${(maxLagMs / 1000).toFixed(1)} s)`);

    const disk = await readDisk(client, touched);
    if (disk.problem) problems.push(disk.problem);
    else notes.push(disk.note);
  } finally {
    await client.end().catch(() => {});
  }
  return { problems, notes, busyPids };
}

/**
 * Free disk on the data directory's filesystem, where it can be read honestly. PostgreSQL 15 has
 * no SQL function that reports free disk space (pg_database_size and pg_tablespace_size report
 * what is used), so it is read with statfs from this machine, and only when the server runs here:
 * its data_directory (visible to a superuser or pg_read_all_settings) holds a postmaster.pid whose
 * start time and port are the server's. Otherwise the check is skipped, saying why. The bound is
 * the largest table the migrations touch: a rewrite (ALTER COLUMN TYPE, VACUUM FULL) writes a copy.
 */
async function readDisk(client: Pick<import('pg').ClientBase, 'query'>, touched: string[]): Promise<{ note: string; problem?: string }> {
  const { rows } = await client.query<{ dir: string | null; started: string; port: string; largest: string | null; largest_name: string | null }>(
    `SELECT (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'data_directory') AS dir,
            floor(extract(epoch FROM pg_postmaster_start_time()))::bigint::text AS started,
            current_setting('port') AS port,
            t.bytes::text AS largest, t.name AS largest_name
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT pg_total_relation_size(c.oid) AS bytes, c.oid::regclass::text AS name
                            FROM unnest($1::text[]) AS r(name)
                            JOIN pg_catalog.pg_class c ON c.oid = to_regclass(r.name)
                           ORDER BY 1 DESC LIMIT 1) t ON true`,
    [touched],
  );
  const row = rows[0]!;
  if (!row.dir) return { note: 'disk: skipped: needs superuser or pg_read_all_settings to see the data directory (PostgreSQL has no SQL function for free disk space)' };
  let pid: string[];
  try {
    pid = (await readFile(join(row.dir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return { note: `disk: skipped: the server's data directory ${row.dir} is not readable from this machine (PostgreSQL has no SQL function for free disk space); check it on the server (df ${row.dir})` };
  }
  // postmaster.pid: pid, data directory, start time (epoch), port, ...
  // postmaster.pid's start time is whole seconds, taken a moment apart from pg_postmaster_start_time():
  // the same server within 2 s, on the same port.
  if (!(Math.abs(Number(pid[2]?.trim()) - Number(row.started)) <= 2) || pid[3]?.trim() !== row.port) {
    return { note: `disk: skipped: ${row.dir} on this machine belongs to another server than the one deployed to; check free disk on the server (df ${row.dir})` };
  }
  const fs = await statfs(row.dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const largest = row.largest === null ? 0 : Number(row.largest);
  const of = row.largest_name ? `; largest table the migrations touch: ${row.largest_name}, ${size(largest)}` : '';
  const note = `disk: ${size(free)} free on the data directory's filesystem${of}`;
  if (largest > 0 && free < largest) {
    return {
      note,
      problem: `only ${size(free)} free on the data directory's filesystem (${row.dir}), less than ${row.largest_name} (${size(largest)}), which a table rewrite copies: free disk space on the server first`,
    };
  }
  return { note };
}
