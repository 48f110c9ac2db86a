import type pg from 'pg';
import { connect } from '../db/connect.js';
import { withDatabase } from '../db/libpq.js';
import { dropScratch, scratchName } from '../db/scratch.js';
import { quoteIdent } from '../db/sessions.js';
import { MigratorError } from '../errors.js';
import { LOCK_MODES, lockModeFromPg, type LockMode } from '../lint/index.js';
import { redactUrl } from '../util/redact.js';
import { COMPARED_KINDS, disagreements, type CatalogEntry } from './compare.js';
import { relkindName } from './live.js';
import { analyzePending, pendingMigrations, type AnalyzedStatement } from './pending.js';
import { excerpt, serverInfo } from './plan.js';
import { copySchema, type SchemaCopy } from './schema-copy.js';
import type { Disagreement, ObservedLock, TracedMigration, TracedStatement, TraceReport } from './types.js';

/** Scratch databases are named `sdk_trace_<random>`, so a leftover one is recognisable. */
export const SCRATCH_DATABASE_PREFIX = 'sdk_trace_';
/** statement_timeout on the scratch database: its tables are empty, so anything slower is stuck. */
export const DEFAULT_TRACE_STATEMENT_TIMEOUT_MS = 30_000;

export interface TraceOptions {
  databaseUrl: string;
  migrationsFolder: string;
  /** pg_dump binary to copy the schema with (default `pg_dump` on PATH); `false` replays the applied migrations instead. */
  pgDump?: string | false | undefined;
  statementTimeoutMs?: number | undefined;
}

/**
 * Runs the pending migrations on a scratch copy of the target's schema (no data) and reports the
 * locks each statement actually took (pg_locks of its own backend) and the tables it actually
 * rewrote (a new pg_class.relfilenode), next to what the static analysis (effects.ts) says.
 * Every disagreement is a bug in the static analysis.
 *
 * The scratch database `sdk_trace_<random>` is created on the target's server and always dropped,
 * also on failure. Each statement runs alone in a transaction that is rolled back after it is
 * measured, so its locks are seen without those of the statements before it; it is then run again,
 * committed, so the statements after it find its changes. Statements that cannot run in a
 * transaction (CONCURRENTLY, ...) are run to keep the schema in step but not traced. The target
 * database is only read (and needs CREATEDB for the scratch database).
 *
 * @example
 * const trace = await traceMigrations({ databaseUrl: process.env.DATABASE_URL!, migrationsFolder: './migrations' });
 * for (const d of trace.disagreements) console.log(`${d.tag}:${d.line} ${d.relation}: ${d.message}`);
 */
export async function traceMigrations(options: TraceOptions): Promise<TraceReport> {
  const started = performance.now();
  const target = await connect(options.databaseUrl, { applicationName: 'sdk plan --trace' });
  const scratch = scratchName(SCRATCH_DATABASE_PREFIX);
  const scratchUrl = withDatabase(options.databaseUrl, scratch);
  let created = false;
  let scratchDropped = false;
  let result: TraceResult;
  try {
    const server = await serverInfo(target);
    const timeZone = (await target.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz")).rows[0]?.tz ?? 'UTC';
    // The trace runs on this server, so the static verdicts are judged for its version too.
    const { pending, lastApplied } = await pendingMigrations(target, options.migrationsFolder);
    const analyzed = await analyzePending(target, pending, server.major);
    if (analyzed.length === 0) {
      result = { server, schemaCopy: { method: 'none', detail: 'nothing pending: no scratch database needed' }, migrations: [], found: [] };
      return report(options.databaseUrl, scratch, result, false, started);
    }
    const create = async () => {
      try {
        await target.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`);
      } catch (error) {
        throw new MigratorError('E_TRACE_SCRATCH', `cannot create the scratch database ${scratch} on ${redactUrl(options.databaseUrl)}: ${(error as Error).message}`, {
          cause: error,
          hint: 'the trace needs a role with CREATEDB on the target server (ALTER ROLE ... CREATEDB), or run `sdk db plan` without `trace`',
        });
      }
      created = true;
    };
    await create();
    const schemaCopy = await copySchema({
      targetUrl: options.databaseUrl,
      scratchUrl,
      serverMajor: server.serverMajor,
      migrationsFolder: options.migrationsFolder,
      lastApplied,
      pgDump: options.pgDump ?? 'pg_dump',
      reset: async () => {
        await dropScratch(target, scratch);
        await create();
      },
    });
    const client = await connect(scratchUrl, { applicationName: 'sdk plan --trace' });
    const migrations: TracedMigration[] = [];
    const found: Disagreement[] = [];
    try {
      await client.query(`SET statement_timeout = ${options.statementTimeoutMs ?? DEFAULT_TRACE_STATEMENT_TIMEOUT_MS}`);
      // The target database's TimeZone (ALTER DATABASE ... SET is not copied): timestamp <-> timestamptz
      // changes skip their rewrite when it is UTC.
      await client.query("SELECT set_config('TimeZone', $1, false)", [timeZone]);
      let stopped: string | undefined;
      for (const migration of analyzed) {
        const traced: TracedMigration = { tag: migration.file.tag, statements: [] };
        migrations.push(traced);
        if (stopped || migration.unreadable) {
          traced.error = stopped ?? `not traced: ${migration.unreadable}`;
          stopped ??= `skipped: ${migration.file.tag} could not be traced`;
          continue;
        }
        for (const statement of migration.statements) {
          if (stopped) {
            traced.statements.push({ ...base(statement), status: 'skipped', reason: stopped });
            continue;
          }
          const { traced: one, kinds } = await traceStatement(client, statement);
          traced.statements.push(one);
          found.push(...disagreements(migration.file.tag, one, kinds));
          if (one.status === 'failed') stopped = `skipped: ${migration.file.tag} line ${one.line} failed on the scratch database`;
        }
      }
    } finally {
      await client.end().catch(() => {});
    }
    result = { server, schemaCopy, migrations, found };
  } finally {
    if (created) scratchDropped = await dropScratch(target, scratch).then(() => true, () => false);
    await target.end().catch(() => {});
  }
  return report(options.databaseUrl, scratch, result, scratchDropped, started);
}

function report(url: string, scratch: string, result: TraceResult, scratchDropped: boolean, started: number): TraceReport {
  return {
    target: redactUrl(url),
    serverVersion: result.server.version,
    pgVersion: result.server.major,
    scratchDatabase: scratch,
    schemaCopy: result.schemaCopy,
    migrations: result.migrations,
    disagreements: result.found,
    failures: result.migrations.filter((m) => m.error?.startsWith('not traced')).length + result.migrations.flatMap((m) => m.statements).filter((s) => s.status === 'failed').length,
    scratchDropped,
    durationMs: Math.round(performance.now() - started),
  };
}

interface TraceResult {
  server: { version: string; major: number; serverMajor: number };
  schemaCopy: SchemaCopy;
  migrations: TracedMigration[];
  found: Disagreement[];
}

function base(s: AnalyzedStatement): Omit<TracedStatement, 'status'> {
  return {
    index: s.index,
    line: s.line,
    sql: excerpt(s.sql),
    kind: s.kind,
    expected: s.effects.map((e) => ({ relation: e.relation, lock: e.lock, rewrite: e.rewrite, scan: e.scan })),
    observed: [],
    rewritten: [],
    rebuiltIndexes: [],
    scanned: [],
    durationMs: 0,
  };
}

interface Relation extends CatalogEntry {
  key: string;
  filenode: string;
}

/** Every relation outside the system schemas, by oid, with the partitioned table a partition belongs to. */
async function snapshot(client: pg.Client): Promise<Map<string, Relation>> {
  const { rows } = await client.query<{ oid: string; key: string; relkind: string; filenode: string; parent: string | null }>(
    `SELECT c.oid::text AS oid, n.nspname || '.' || c.relname AS key, c.relkind::text AS relkind, c.relfilenode::text AS filenode,
            (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
              WHERE c.relispartition AND i.inhrelid = c.oid) AS parent
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  return new Map(rows.map((r) => [r.oid, { key: r.key, kind: relkindName(r.relkind), filenode: r.filenode, parent: r.parent ?? undefined }]));
}

/**
 * One statement: measured in a transaction that is rolled back (its own locks, relfilenodes and
 * sequential scans), then run again for real so later statements see its changes.
 */
async function traceStatement(client: pg.Client, statement: AnalyzedStatement): Promise<{ traced: TracedStatement; kinds: Map<string, CatalogEntry> }> {
  const traced: TracedStatement = { ...base(statement), status: 'traced' };
  const before = await snapshot(client);
  const kinds = new Map<string, CatalogEntry>([...before.values()].map((r) => [r.key, { kind: r.kind, parent: r.parent }]));
  if (!statement.transactional) {
    traced.status = 'not-traced';
    traced.reason = `not traced: runs outside a transaction (${statement.nonTransactionalReason ?? 'PostgreSQL refuses it in a transaction block'})`;
    await apply(client, statement, traced);
    return { traced, kinds };
  }
  const started = performance.now();
  await client.query('BEGIN');
  try {
    const scansBefore = await seqScans(client);
    await client.query(statement.sql);
    traced.durationMs = Math.round(performance.now() - started);
    // Read in this order: the catalog queries below take locks of their own, on system catalogs only.
    const { rows: locks } = await client.query<{ oid: string; mode: string }>(
      `SELECT relation::text AS oid, mode FROM pg_locks
        WHERE locktype = 'relation' AND pid = pg_backend_pid() AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const after = await snapshot(client);
    const scansAfter = await seqScans(client);

    const byRelation = new Map<string, ObservedLock>();
    for (const lock of locks) {
      const relation = before.get(lock.oid); // relations the statement created are its own: left out
      const mode = lockModeFromPg(lock.mode);
      if (!relation || !mode) continue;
      const entry = byRelation.get(relation.key) ?? { relation: relation.key, kind: relation.kind, lock: mode, modes: [] as LockMode[] };
      if (!entry.modes.includes(mode)) entry.modes.push(mode);
      entry.modes.sort((a, b) => LOCK_MODES.indexOf(a) - LOCK_MODES.indexOf(b));
      entry.lock = entry.modes.at(-1)!;
      byRelation.set(relation.key, entry);
    }
    traced.observed = [...byRelation.values()].sort((a, b) => a.relation.localeCompare(b.relation));
    for (const [oid, was] of before) {
      const now = after.get(oid);
      if (!now || now.filenode === was.filenode || was.filenode === '0') continue;
      if (COMPARED_KINDS.includes(was.kind)) traced.rewritten.push(was.key);
      else if (was.kind === 'index') traced.rebuiltIndexes.push(was.key);
    }
    // In name order, as the other lists: the catalog's order is no order.
    traced.rewritten.sort();
    traced.rebuiltIndexes.sort();
    traced.scanned = [...scansAfter]
      .filter(([oid, count]) => count > (scansBefore.get(oid) ?? 0))
      .map(([oid]) => before.get(oid)?.key)
      .filter((k): k is string => k !== undefined)
      .sort();
  } catch (error) {
    traced.status = 'failed';
    traced.reason = (error as Error).message;
  } finally {
    await client.query('ROLLBACK');
  }
  if (traced.status === 'traced') await apply(client, statement, traced);
  return { traced, kinds };
}

/** Runs a statement for real: a transactional one in a transaction of its own (LOCK TABLE refuses to run without one). */
/**
 * Sequential scans counted by this backend and not yet sent to the statistics system
 * (pg_stat_xact_user_tables): counts of earlier transactions may still be pending, and nothing is
 * sent while a transaction is open, so the difference across one statement is its own scans.
 */
async function seqScans(client: pg.Client): Promise<Map<string, number>> {
  const { rows } = await client.query<{ oid: string; n: string }>('SELECT relid::text AS oid, seq_scan AS n FROM pg_stat_xact_user_tables WHERE seq_scan > 0');
  return new Map(rows.map((r) => [r.oid, Number(r.n)]));
}

async function apply(client: pg.Client, statement: AnalyzedStatement, traced: TracedStatement): Promise<void> {
  try {
    if (!statement.transactional) {
      await client.query(statement.sql);
      return;
    }
    await client.query('BEGIN');
    await client.query(statement.sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    traced.status = 'failed';
    traced.reason = (error as Error).message;
  }
}
