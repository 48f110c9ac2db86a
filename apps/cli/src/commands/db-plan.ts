import { withFlags } from '../flags.js';
import { formatBytes } from '@big0290/migrator/backup';
import { DEFAULT_STATEMENT_TIMEOUT_MS } from '@big0290/migrator/defaults';
import { conflicts, renderViolation } from '@big0290/migrator/lint';
import {
  planMigrations,
  traceMigrations,
  type LockMode,
  type LockSession,
  type PlannedMigrationReport,
  type PlanReport,
  type TraceReport,
} from '@big0290/migrator';
import { duration, table, truncate, type Output } from '../output.js';
import type { MigrationsFlags, TargetFlags } from '../options.js';
import { migrationsFolderOf } from '../project.js';
import { resolveTarget } from '../target.js';

export interface DbPlanOptions extends TargetFlags, MigrationsFlags {
  trace?: boolean | undefined;
  pgVersion?: number | undefined;
}

/**
 * `sdk db plan [--trace]`: what the pending migrations will lock, rewrite and scan on the target,
 * for how long, and who is in the way right now. Exit 1 when a lint error remains, or when the
 * trace disagrees with the static analysis or a statement fails on the scratch database.
 */
export async function dbPlan(options: DbPlanOptions, out: Output): Promise<number> {
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const target = await resolveTarget(options, out);
  try {
    const plan = await planMigrations({ databaseUrl: target.url, migrationsFolder, pgVersion: options.pgVersion });
    let trace: TraceReport | null = null;
    if (options.trace && plan.migrations.length > 0) {
      if (!out.json) out.info('Tracing the pending migrations on a scratch copy of the schema…');
      trace = await traceMigrations({ databaseUrl: target.url, migrationsFolder });
    }
    if (out.json) out.resultJson({ ...plan, trace });
    else out.result(renderPlan(plan, trace, out));
    const traceProblems = trace ? trace.disagreements.length + trace.failures : 0;
    return plan.errors > 0 || traceProblems > 0 ? 1 : 0;
  } finally {
    await target.close();
  }
}

const paint = (out: Output) => (style: 'red' | 'yellow' | 'dim' | 'bold' | 'cyan', text: string) => out.style(style, text);

function renderPlan(plan: PlanReport, trace: TraceReport | null, out: Output): string {
  const lines = [`Target:  ${plan.target}`, `Server:  PostgreSQL ${plan.serverVersion} (verdicts for PostgreSQL ${plan.pgVersion})`];
  if (plan.rates) {
    const r = plan.rates;
    lines.push(
      `Rates:   scan ${formatBytes(r.scan.bytesPerSecond)}/s, index build ${formatBytes(r.indexBuild.bytesPerSecond)}/s, rewrite ${formatBytes(r.rewrite.bytesPerSecond)}/s (measured on ${r.method}, in ${duration(r.measuredMs)})`,
    );
  } else if (plan.ratesError && plan.migrations.length > 0) lines.push(`Rates:   none, so no estimates: ${plan.ratesError}`);
  for (const note of plan.notes) lines.push(out.style('yellow', `note: ${withFlags(note)}`));
  lines.push('');
  if (plan.migrations.length === 0) {
    lines.push('Nothing pending: the database has every migration of the folder.');
    return lines.join('\n');
  }
  for (const migration of plan.migrations) lines.push(...renderMigration(migration, out), '');
  lines.push(...renderSessions(plan), '');
  const findings = plan.migrations.flatMap((m) => [...m.fileViolations, ...m.statements.flatMap((s) => s.violations)].map((v) => ({ m, v })));
  if (findings.length > 0) {
    lines.push(out.style('bold', 'Lint findings (judged with the live schema):'), '');
    for (const { m, v } of findings) lines.push(renderViolation({ path: `${m.tag}.sql`, violations: [], statements: [] }, v, undefined, paint(out)), '');
  }
  if (trace) lines.push(...renderTrace(trace, out), '');
  lines.push(summary(plan, trace, out));
  return lines.join('\n');
}

/** What a lock mode stops the application from doing, in one or two words for the table. */
function blocksShort(mode: LockMode): string {
  if (mode === 'ACCESS EXCLUSIVE') return 'reads, writes';
  if (conflicts(mode, 'ROW EXCLUSIVE')) return 'writes';
  if (conflicts(mode, 'SHARE UPDATE EXCLUSIVE')) return 'DDL, VACUUM';
  return 'DDL';
}

function estimateText(ms: number | null): string {
  if (ms === null) return '?';
  return ms === 0 ? 'instant' : `~${duration(ms)}`;
}

function renderMigration(m: PlannedMigrationReport, out: Output): string[] {
  const header = `${out.style('bold', m.tag)}  ${m.phase}${m.state === 'out-of-order' ? ', out of order' : ''}  estimated ${estimateText(m.estimatedMs)}`;
  const lines = [header];
  if (m.statements.length === 0) {
    lines.push(`  not planned: ${m.phaseReason}`);
    return lines;
  }
  const rows = [['LINE', 'STATEMENT', 'TABLE', 'LOCK', 'BLOCKS', 'WORK', 'ROWS', 'SIZE', 'ESTIMATE']];
  for (const s of m.statements) {
    const text = `${truncate(s.sql, 48)}${s.transactional ? '' : ' *'}`;
    if (s.effects.length === 0) rows.push([String(s.line), text, '-', '-', '-', '-', '', '', estimateText(s.estimatedMs)]);
    s.effects.forEach((e, i) => {
      const work = e.rewrite ? 'rewrite' : e.scan ? 'scan' : '-';
      const size = e.size.exists ? formatBytes((e.rewrite ? e.size.totalBytes : e.size.tableBytes) ?? 0) : e.size.createdBy ? 'new' : 'unknown';
      // `~`: never analyzed and too big to count, estimated from its pages.
      const rowsText = e.size.rows === null ? (e.size.createdBy ? '0' : '?') : `${e.size.rowsFrom === 'pages' ? '~' : ''}${e.size.rows.toLocaleString('en-US')}`;
      rows.push([i === 0 ? String(s.line) : '', i === 0 ? text : '', e.relation, e.lock, blocksShort(e.lock), work, rowsText, size, estimateText(e.estimatedMs)]);
    });
  }
  lines.push(...table(rows).split('\n').map((l) => `  ${l}`));
  if (m.statements.some((s) => !s.transactional)) lines.push(out.style('dim', '  * runs outside a transaction (it cannot run in one), holding its lock only while it runs'));
  const lineOf = (index: number) => m.statements.find((s) => s.index === index)?.line ?? '?';
  for (const held of m.locksHeld) {
    if (!conflicts(held.lock, 'ROW EXCLUSIVE')) continue;
    const from = m.statements.find((s) => s.index === held.fromStatement);
    const inTransaction = from?.transactional !== false;
    const span = inTransaction ? `from line ${lineOf(held.fromStatement)} until the migration commits` : `while line ${lineOf(held.fromStatement)} runs`;
    // The weaker locks the same transaction took on the table earlier, each from its own line.
    const earlier = held.before.length ? ` Before that: ${held.before.map((b) => `${b.lock} from line ${lineOf(b.fromStatement)} (it ${b.blocks})`).join(', then ')}.` : '';
    lines.push(`  ${held.lock} on ${held.relation} is held ${span} (${estimateText(held.estimatedMs)}): it ${held.blocks}.${earlier}`);
  }
  for (const s of m.statements) {
    if (s.transactional && s.estimatedMs !== null && s.estimatedMs > DEFAULT_STATEMENT_TIMEOUT_MS) {
      lines.push(
        out.style('yellow', `  line ${s.line}: estimated ${duration(s.estimatedMs)}, over the runner's statement_timeout of ${duration(DEFAULT_STATEMENT_TIMEOUT_MS)}: \`sdk db migrate\` would cancel it. Use the expand/contract recipe the lint finding gives, or raise --statement-timeout for a maintenance window.`),
      );
    }
  }
  return lines;
}

function session(s: LockSession): string {
  const who = [s.application, s.user].filter(Boolean).join(', ');
  const state = s.idleInTransaction ? `idle in transaction for ${s.stateSeconds ?? '?'} s` : (s.state ?? 'unknown state');
  const age = s.transactionSeconds === null ? '' : `, transaction open ${s.transactionSeconds} s${s.longTransaction ? ' (long)' : ''}`;
  const locks = s.locks.map((l) => `${l.granted ? 'holds' : 'waits for'} ${l.mode} on ${l.relation}`).join('; ');
  return `  pid ${s.pid}${who ? ` (${who})` : ''}: ${state}${age}${locks ? `; ${locks}` : ''}${s.query ? `; last query: ${truncate(s.query, 80)}` : ''}`;
}

function renderSessions(plan: PlanReport): string[] {
  const lines: string[] = [];
  if (plan.lockHolders.length === 0) lines.push('Lock holders on these tables: none right now.');
  else {
    lines.push('Lock holders on these tables right now (a migration waits behind them, and every query on the table queues behind the migration):');
    lines.push(...plan.lockHolders.map(session));
    const idle = plan.lockHolders.filter((s) => s.idleInTransaction || s.longTransaction);
    if (idle.length > 0) {
      lines.push(`  Next step: let them finish or end them before migrating, e.g. \`SELECT pg_terminate_backend(${idle[0]!.pid});\`.`);
    }
  }
  if (plan.longTransactions.length > 0) {
    lines.push('Other long or idle-in-transaction sessions (CREATE INDEX CONCURRENTLY waits for them to end):');
    lines.push(...plan.longTransactions.map(session));
  }
  return lines;
}

function renderTrace(trace: TraceReport, out: Output): string[] {
  const lines = [
    out.style('bold', `Trace on scratch database ${trace.scratchDatabase} (${trace.schemaCopy.method}: ${trace.schemaCopy.detail}; ${trace.scratchDropped ? 'dropped' : 'NOT dropped: drop it by hand'}), in ${duration(trace.durationMs)}:`),
  ];
  const describe = (relation: string, lock: string, rewrite: boolean) => `${lock} ${relation}${rewrite ? ' + rewrite' : ''}`;
  for (const m of trace.migrations) {
    lines.push(`${m.tag}${m.error ? `: ${m.error}` : ''}`);
    if (m.statements.length === 0) continue;
    const rows = [['LINE', 'STATEMENT', 'STATIC', 'OBSERVED', 'RESULT']];
    for (const s of m.statements) {
      const expected = s.expected.map((e) => describe(e.relation, e.lock, e.rewrite)).join(', ') || '-';
      if (s.status !== 'traced') {
        rows.push([String(s.line), truncate(s.sql, 40), expected, '-', truncate(s.reason ?? s.status, 70)]);
        continue;
      }
      const shown = s.observed.filter((o) => o.kind !== 'index' || s.expected.some((e) => e.relation === o.relation));
      const observed = shown.map((o) => describe(o.relation, o.lock, s.rewritten.includes(o.relation))).join(', ') || '-';
      const disagrees = trace.disagreements.some((d) => d.tag === m.tag && d.line === s.line);
      rows.push([String(s.line), truncate(s.sql, 40), expected, observed, disagrees ? out.style('red', 'DISAGREES') : 'agrees']);
    }
    lines.push(...table(rows).split('\n').map((l) => `  ${l}`));
  }
  if (trace.disagreements.length > 0) {
    lines.push('', out.style('red', `${trace.disagreements.length} disagreement(s) between the static analysis and PostgreSQL (bugs in effects.ts; please report them):`));
    for (const d of trace.disagreements) lines.push(`  ${d.tag}:${d.line} ${d.relation}: ${d.message}`);
  }
  return lines;
}

function summary(plan: PlanReport, trace: TraceReport | null, out: Output): string {
  const parts = [`${plan.migrations.length} pending migration(s), estimated ${estimateText(plan.estimatedMs)} in total`, `${plan.errors} lint error(s), ${plan.warnings} warning(s)`];
  if (trace) parts.push(`trace: ${trace.disagreements.length} disagreement(s), ${trace.failures} failure(s)`);
  const text = `${parts.join('; ')}.`;
  const failed = plan.errors > 0 || (trace !== null && trace.disagreements.length + trace.failures > 0);
  return failed ? out.style('red', text) : text;
}
