import type pg from 'pg';
import { connect } from '../db/connect.js';
import { checkPgVersion, NEWEST_PG_VERSION, OLDEST_PG_VERSION, blocks, stronger, type RelationEffect } from '../lint/index.js';
import { formatBytes } from '../util/format.js';
import { redactUrl } from '../util/redact.js';
import { validatedForeignKeys } from './foreign-keys.js';
import { DEFAULT_LONG_TRANSACTION_SECONDS, lockSessions } from './live.js';
import { analyzePending, pendingMigrations, type AnalyzedMigration, type AnalyzedStatement } from './pending.js';
import { measureRates } from './rates.js';
import { relationSizes } from './sizes.js';
import type { HeldLock, MeasuredRates, PlannedEffect, PlannedMigrationReport, PlannedStatement, PlanReport, RelationSize } from './types.js';

/** Statement text in reports is cut to one line of this many characters. */
export const SQL_EXCERPT_LENGTH = 120;

export interface PlanOptions {
  /** Connection string of the target database. */
  databaseUrl: string;
  /** Folder holding `meta/_journal.json` and the `NNNN_tag.sql` files. */
  migrationsFolder: string;
  /** Judge for this PostgreSQL major version instead of the server's. */
  pgVersion?: number | undefined;
  /** Measure scan/rewrite rates on the server for the estimates (default true). */
  measureRates?: boolean | undefined;
  /** A transaction open longer than this is flagged (default DEFAULT_LONG_TRANSACTION_SECONDS). */
  longTransactionSeconds?: number | undefined;
  /** A table never analyzed is counted exactly when its heap is at most this big (default DEFAULT_EXACT_COUNT_MAX_BYTES), else estimated from its pages. */
  exactCountMaxBytes?: number | undefined;
}

/**
 * What the pending migrations will do to the target database, without changing it: each
 * statement's locks (and what they block), rewrites and scans, the live size of each table, an
 * estimated duration from rates measured on that server, who holds or waits for locks on those
 * tables right now, and the lint findings judged with the database's real column types and
 * constraints.
 *
 * Reads only, except for the rate measurement: a temporary table filled, scanned, indexed and
 * rewritten in a transaction that is rolled back (about half a second; `measureRates: false` skips it).
 *
 * @example
 * const plan = await planMigrations({ databaseUrl: process.env.DATABASE_URL!, migrationsFolder: './migrations' });
 * for (const m of plan.migrations) for (const s of m.statements) console.log(m.tag, s.line, s.effects.map((e) => e.lock), s.estimatedMs);
 */
export async function planMigrations(options: PlanOptions): Promise<PlanReport> {
  const started = performance.now();
  const client = await connect(options.databaseUrl, { applicationName: 'sdk plan' });
  try {
    const server = await serverInfo(client);
    const pgVersion = options.pgVersion ?? server.major;
    checkPgVersion(pgVersion);
    const { pending, notes } = await pendingMigrations(client, options.migrationsFolder);
    const analyzed = await analyzePending(client, pending, pgVersion);

    const touched = [...new Set(analyzed.flatMap((m) => m.statements.flatMap((s) => s.effects.map((e) => e.relation))))];
    const sizes = await relationSizes(client, touched, server.serverMajor, { exactCountMaxBytes: options.exactCountMaxBytes });
    const createdBy = new Map<string, string>();
    for (const m of analyzed) for (const key of m.creates) if (!sizes.has(key) && !createdBy.has(key)) createdBy.set(key, m.file.tag);

    let rates: MeasuredRates | null = null;
    let ratesError: string | undefined;
    if (options.measureRates === false) ratesError = 'not measured (measureRates: false)';
    else if (analyzed.length > 0) {
      try {
        rates = await measureRates(client);
      } catch (error) {
        // A hot standby or a role without TEMP privilege cannot create the probe table: plan without estimates.
        ratesError = `could not measure rates on this server: ${error instanceof Error ? error.message : String(error)}`;
      }
    }

    const sizeOf = (relation: string): RelationSize => {
      const live = sizes.get(relation);
      if (live) {
        const { oid: _oid, ...size } = live;
        return size;
      }
      return { relation, exists: false, rows: null, tableBytes: null, totalBytes: null, createdBy: createdBy.get(relation) };
    };
    const matched = await matchedRows(client, analyzed);
    const migrations = analyzed.map((m) => planMigration(m, sizeOf, rates, matched));
    const { lockHolders, longTransactions } = await lockSessions(
      client,
      [...sizes.values()].map((s) => s.oid),
      options.longTransactionSeconds ?? DEFAULT_LONG_TRANSACTION_SECONDS,
    );
    const violations = migrations.flatMap((m) => [...m.fileViolations, ...m.statements.flatMap((s) => s.violations)]);
    return {
      target: redactUrl(options.databaseUrl),
      serverVersion: server.version,
      pgVersion,
      migrations,
      rates,
      ...(ratesError ? { ratesError } : {}),
      lockHolders,
      longTransactions,
      notes,
      errors: violations.filter((v) => v.severity === 'error').length,
      warnings: violations.filter((v) => v.severity === 'warning').length,
      estimatedMs: sum(migrations.map((m) => m.estimatedMs)),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The server's version string and the major version verdicts use (clamped to what the linter knows). */
export async function serverInfo(client: Pick<pg.Client, 'query'>): Promise<{ version: string; major: number; serverMajor: number }> {
  const { rows } = await client.query<{ version: string; num: string }>("SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num");
  const serverMajor = Math.floor(Number(rows[0]?.num ?? 0) / 10_000);
  return { version: rows[0]?.version ?? 'unknown', major: Math.min(NEWEST_PG_VERSION, Math.max(OLDEST_PG_VERSION, serverMajor)), serverMajor };
}

/** Statement kinds that change existing rows: their cost is the rows they match, not the table's catalog. */
const DATA_CHANGES = new Set(['UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * How many rows each pending UPDATE, DELETE or MERGE matches, from PostgreSQL's own estimate
 * (EXPLAIN, which runs nothing), for statements whose tables exist already. A statement that
 * cannot be explained yet (its table comes with a pending migration) is left out.
 */
async function matchedRows(client: pg.Client, analyzed: readonly AnalyzedMigration[]): Promise<Map<AnalyzedStatement, number>> {
  const matched = new Map<AnalyzedStatement, number>();
  for (const m of analyzed) {
    for (const s of m.statements) {
      if (!DATA_CHANGES.has(s.kind)) continue;
      try {
        await client.query("BEGIN; SET LOCAL lock_timeout = '500ms'");
        const { rows } = await client.query<{ 'QUERY PLAN': { Plan: { Plans?: { 'Plan Rows': number }[]; 'Plan Rows': number } }[] }>(`EXPLAIN (FORMAT JSON) ${s.sql}`);
        const top = rows[0]?.['QUERY PLAN'][0]?.Plan;
        const estimate = top?.Plans?.[0]?.['Plan Rows'] ?? top?.['Plan Rows'];
        if (typeof estimate === 'number') matched.set(s, Math.round(estimate));
      } catch {
        // Its table does not exist yet, or is locked: the estimate falls back to the whole table.
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    }
  }
  return matched;
}

function planMigration(m: AnalyzedMigration, sizeOf: (relation: string) => RelationSize, rates: MeasuredRates | null, matched: Map<AnalyzedStatement, number>): PlannedMigrationReport {
  const statements = m.statements.map((s) => planStatement(s, sizeOf, rates, matched.get(s)));
  return {
    tag: m.file.tag,
    state: m.state,
    phase: m.phase,
    phaseReason: m.unreadable ?? m.phaseReason,
    statements,
    fileViolations: m.fileViolations,
    locksHeld: locksHeld(statements),
    estimatedMs: sum(statements.map((s) => s.estimatedMs)),
  };
}

function planStatement(s: AnalyzedStatement, sizeOf: (relation: string) => RelationSize, rates: MeasuredRates | null, matchedRows?: number): PlannedStatement {
  const foreignKeys = s.effects.some((e) => e.scan) ? validatedForeignKeys(s.sql) : [];
  const isEmpty = (relation: string) => {
    const size = sizeOf(relation);
    return s.effects.some((e) => e.relation === relation && e.created) || size.createdBy !== undefined || (size.rows === 0 && size.rowsFrom === 'count');
  };
  const effects: PlannedEffect[] = s.effects.map((effect) => {
    const size = sizeOf(effect.relation);
    // Validating a foreign key reads the referencing table and looks each row up in the
    // referenced one: from an empty table, nothing is looked up.
    const fromEmpty = effect.scan ? foreignKeys.find((fk) => fk.references === effect.relation && fk.table !== effect.relation && isEmpty(fk.table)) : undefined;
    const { ms, basis } = fromEmpty
      ? { ms: 0, basis: `the foreign key is checked from ${fromEmpty.table}, which is empty: nothing is looked up in ${effect.relation}` }
      : estimate(effect, size, s.kind, rates, matchedRows);
    return { ...effect, blocks: blocks(effect.lock), size, estimatedMs: ms, estimateBasis: basis };
  });
  return {
    index: s.index,
    line: s.line,
    column: s.column,
    sql: excerpt(s.sql),
    kind: s.kind,
    transactional: s.transactional,
    ...(s.nonTransactionalReason ? { nonTransactionalReason: s.nonTransactionalReason } : {}),
    phase: s.phase,
    effects,
    estimatedMs: sum(effects.map((e) => e.estimatedMs)),
    violations: s.violations,
  };
}

/**
 * The time a statement's rewrite or scan of one relation takes: its bytes divided by the rate
 * measured for that kind of work. A rewrite writes the whole relation again, indexes included
 * (pg_total_relation_size); a scan or an index build reads the heap (pg_relation_size). An
 * UPDATE of every row writes a new version of each, so it is costed as a rewrite.
 */
export function estimate(effect: RelationEffect, size: RelationSize, kind: string, rates: MeasuredRates | null, matchedRows?: number): { ms: number | null; basis: string } {
  if (DATA_CHANGES.has(kind)) return dataChangeEstimate(effect, size, kind, rates, matchedRows);
  if (!effect.rewrite && !effect.scan) return { ms: 0, basis: 'catalog change only: instant once the lock is granted' };
  if (effect.created || size.createdBy) return { ms: 0, basis: 'a new table: empty' };
  if (!size.exists) return { ms: null, basis: 'not in the target database: size unknown' };
  if (!rates) return { ms: null, basis: 'no rate measured on this server' };
  const rewrite = effect.rewrite || kind === 'UpdateStmt';
  const index = !rewrite && (kind === 'IndexStmt' || kind === 'ReindexStmt' || /\bindex\b/i.test(effect.why));
  const bytes = (rewrite ? size.totalBytes : size.tableBytes) ?? 0;
  const rate = rewrite ? rates.rewrite : index ? rates.indexBuild : rates.scan;
  const verb = rewrite ? 'rewrite of' : index ? 'index build over' : 'scan of';
  return { ms: Math.round((bytes / Math.max(1, rate.bytesPerSecond)) * 1000), basis: `${verb} ${formatBytes(bytes)} at ${formatBytes(rate.bytesPerSecond)}/s` };
}

/**
 * An UPDATE, DELETE or MERGE writes a new version of (or marks) every row it matches, holding
 * each row's lock until the migration's transaction commits: its cost is the bytes of the matched
 * rows at the measured rewrite rate. Matched rows come from EXPLAIN; without it, the whole table.
 */
function dataChangeEstimate(effect: RelationEffect, size: RelationSize, kind: string, rates: MeasuredRates | null, matchedRows: number | undefined): { ms: number | null; basis: string } {
  if (effect.created || size.createdBy) return { ms: 0, basis: 'a new table: empty' };
  if (!size.exists) return { ms: null, basis: 'not in the target database: size unknown' };
  const verb = kind === 'DeleteStmt' ? 'deletes' : kind === 'MergeStmt' ? 'merges' : 'updates';
  const rows = matchedRows ?? size.rows;
  const what = matchedRows !== undefined ? `~${matchedRows.toLocaleString('en-US')} rows (PostgreSQL's estimate of the rows it matches)` : `up to ${size.rows?.toLocaleString('en-US') ?? '?'} rows (the whole table)`;
  if (!rates) return { ms: null, basis: `${verb} ${what}; no rate measured on this server` };
  if (rows === null || !size.rows || size.totalBytes === null) return { ms: null, basis: `${verb} ${what}: size unknown` };
  const bytes = (Math.min(rows, size.rows) / size.rows) * size.totalBytes;
  return {
    ms: Math.round((bytes / Math.max(1, rates.rewrite.bytesPerSecond)) * 1000),
    basis: `${verb} ${what}, ${formatBytes(bytes)} at ${formatBytes(rates.rewrite.bytesPerSecond)}/s, every matched row locked until commit`,
  };
}

/**
 * A transaction keeps every lock it takes until it commits: the runner runs consecutive
 * transactional statements of a migration in one transaction, so a lock taken by the first is
 * held through the last. Statements run outside a transaction hold theirs only while they run.
 *
 * Per relation: the strongest lock and the statement that takes it (held from there to the
 * commit), and the weaker locks taken before it. A VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE)
 * followed by an ADD COLUMN (ACCESS EXCLUSIVE) blocks reads and writes only from the ADD COLUMN on.
 */
export function locksHeld(statements: readonly PlannedStatement[]): HeldLock[] {
  const held: HeldLock[] = [];
  const segments: PlannedStatement[][] = [];
  for (const s of statements) {
    const last = segments.at(-1);
    if (s.transactional && last?.[0]?.transactional) last.push(s);
    else segments.push([s]);
  }
  for (const segment of segments) {
    const byRelation = new Map<string, HeldLock & { position: number }>();
    segment.forEach((s, position) => {
      for (const effect of s.effects) {
        const existing = byRelation.get(effect.relation);
        if (!existing) {
          byRelation.set(effect.relation, { relation: effect.relation, lock: effect.lock, blocks: blocks(effect.lock), fromStatement: s.index, estimatedMs: null, before: [], position });
        } else if (stronger(existing.lock, effect.lock) !== existing.lock) {
          existing.before.push({ lock: existing.lock, blocks: existing.blocks, fromStatement: existing.fromStatement });
          Object.assign(existing, { lock: effect.lock, blocks: blocks(effect.lock), fromStatement: s.index, position });
        }
      }
    });
    for (const { position, ...lock } of byRelation.values()) {
      held.push({ ...lock, estimatedMs: sum(segment.slice(position).map((t) => t.estimatedMs)) });
    }
  }
  return held;
}

function sum(values: readonly (number | null)[]): number | null {
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v;
  }
  return total;
}

export function excerpt(sql: string, max = SQL_EXCERPT_LENGTH): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

