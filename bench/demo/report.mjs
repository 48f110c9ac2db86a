// What `pnpm demo` prints: the application's figures per step (windowStats of `pnpm bench
// zero-downtime`: p50/p99/max of every transaction overlapping the window, the longest time in
// which no transaction completed, failed transactions), each deploy's checklist as the sdk
// reported it, and the demo's own checks.
import { windowStats } from '../zero-downtime/load.mjs';

const int = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => (n >= 100 ? int(n) : n.toFixed(1));
const secs = (n) => (n / 1000).toFixed(1);

/** The application during [from, to] (epoch ms), with its throughput against `baseline`'s. */
export function stats(log, from, to, baseline) {
  const s = windowStats(log, from, to);
  const failed = log.failed.filter((t) => t.end >= from && t.end <= to);
  return {
    from,
    to,
    ...s,
    ofBaseline: baseline ? Math.round((100 * s.tps) / Math.max(1, baseline.tps)) : 100,
    errorSamples: [...new Set(failed.map((t) => `${t.kind}: ${t.message}`))].slice(0, 3),
  };
}

const HEAD = ['step', 'what ran', 's', 'tx', 'tx/s', 'of baseline', 'p50 ms', 'p99 ms', 'max ms', 'longest stall ms', 'failed tx'];

function row(label, what, s) {
  return [label, what, secs(s.to - s.from), int(s.transactions), int(s.tps), `${s.ofBaseline}%`, ms(s.p50Ms), ms(s.p99Ms), ms(s.maxMs), ms(s.stallMs), int(s.failed)];
}

/** A plain-text table: text columns left-aligned, numbers right-aligned. */
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.filter(Boolean).map((r) => String(r[i]).length)));
  const numeric = (i) => i >= 2;
  const line = (r) => r.map((c, i) => (numeric(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map((r) => (r === null ? '' : line(r)))].join('\n');
}

/** `text` wrapped at `width`, its own indentation kept, every line after the first indented by `indent`. */
function wrap(text, width, indent) {
  const lead = /^ */.exec(text)[0];
  const lines = [];
  let current = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (current.trim() && current.length + 1 + word.length > width) {
      lines.push(current);
      current = indent + word;
    } else current = current.trim() ? `${current} ${word}` : current + word;
  }
  if (current.trim()) lines.push(current);
  return lines.join('\n');
}

const MARK = { ok: '✓', failed: '✗', skipped: '-' };

/** A deploy's checklist from its --json report, as `sdk db deploy` prints it on a terminal. */
function checklist(report) {
  const lines = report.steps.map((s) => {
    const time = s.status === 'skipped' ? '' : ` (${s.durationMs >= 1000 ? `${secs(s.durationMs)} s` : `${s.durationMs} ms`})`;
    const head = `    ${MARK[s.status] ?? '?'} ${s.name.padEnd(15)} ${s.detail ?? ''}${time}`;
    return [wrap(head, 100, ' '.repeat(22)), ...(s.problems ?? []).map((p) => wrap(`        - ${p}`, 100, ' '.repeat(10)))].join('\n');
  });
  lines.push(`    ${report.ok ? 'done' : 'FAILED'} in ${secs(report.durationMs)} s; applied: ${report.applied.join(', ') || 'nothing'}${report.remaining.length ? `; held back: ${report.remaining.length}` : ''}`);
  if (report.rollback) lines.push(`    to go back: ${report.rollback}`);
  return lines.join('\n');
}

/** The human report, for stdout. */
export function render(result) {
  const { settings, server, sdk, naive } = result;
  const out = [];
  out.push(`pnpm demo: a required column added to auth.users (${int(settings.rows)} rows) while an application uses it`);
  out.push(
    `embedded PostgreSQL ${server.version} (${server.dataDir}, port ${server.port}); application: ${settings.clients} node-postgres clients, ` +
      `${result.mix.read}% reads / ${result.mix.update}% updates / ${result.mix.insert}% inserts by id, unthrottled, no statement timeout`,
  );
  out.push('');
  out.push('the sdk, the guide\'s four steps:');
  out.push('  1. expand    sdk db deploy --phase expand: ADD COLUMN phone_number varchar(20), nullable (the backfill held back for step 3)');
  out.push('  2. app v2    the application starts writing phone_number (no database change)');
  out.push('  3. backfill  sdk db migrate --phase expand: the tracked data migration fills the rows in short batches');
  out.push('  4. contract  sdk db deploy --phase contract: CHECK (phone_number IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL, DROP the check');
  out.push(`  files written by sdk db new: ${result.operation.files.join(', ')}`);
  out.push('naive: one drizzle-kit migration file, applied by drizzle-orm migrate() in one transaction, as in `pnpm bench zero-downtime`:');
  for (const sql of naive.sql) out.push(`  ${sql}`);
  out.push('then the application v2 is deployed.');
  out.push('');
  const rows = [HEAD];
  rows.push(row('sdk', 'no migration (baseline)', sdk.baseline));
  for (const step of sdk.steps) {
    rows.push(row(step.label, step.what, step.app));
    if (step.inner) rows.push(row('', `  of which ${step.inner.what}`, step.inner.app));
  }
  rows.push(row('', 'after (app v2)', sdk.after));
  rows.push(null);
  rows.push(row('naive', 'no migration (baseline)', naive.baseline));
  rows.push(row(naive.step.label, naive.step.what, naive.step.app));
  rows.push(row('', 'after (app v2)', naive.after));
  out.push(table(rows));
  out.push('');
  out.push('tx: transactions that ended in the window; p50/p99/max: of every transaction overlapping it (one held up by a lock counts its whole wait);');
  out.push('longest stall: the longest time overlapping the window in which no transaction completed; failed tx: transactions that ended in an error.');
  out.push('');
  const worstSdk = Math.max(...sdk.steps.map((s) => s.app.stallMs));
  const maxSdk = Math.max(...sdk.steps.map((s) => s.app.maxMs));
  out.push(
    `Longest stall: sdk ${ms(worstSdk)} ms in its worst step, naive ${ms(naive.step.app.stallMs)} ms; ` +
      `slowest transaction: sdk ${ms(maxSdk)} ms, naive ${ms(naive.step.app.maxMs)} ms; ` +
      `failed transactions: sdk ${int(sdk.failed)}, naive ${int(naive.failed)}.`,
  );
  out.push(`The sdk's four steps took ${secs(sdk.steps.reduce((t, s) => t + s.app.to - s.app.from, 0))} s (two verified backups included); the naive migration ${secs(naive.step.app.to - naive.step.app.from)} s.`);
  for (const sample of naive.errorSamples) out.push(`  naive error: ${sample}`);
  for (const sample of sdk.errorSamples) out.push(`  sdk error: ${sample}`);
  out.push('');
  for (const step of sdk.steps) {
    out.push(`${step.label}: \`sdk ${step.command}\`, exit ${step.exitCode}`);
    if (step.report?.steps) out.push(checklist(step.report));
    for (const b of step.report?.steps ? step.backfills ?? [] : []) out.push(`    its data migration ${b.name}: ${int(b.rowsChanged)} rows changed in ${int(b.batches)} batches, ${secs(b.durationMs)} s`);
    if (step.dataMigrations) {
      for (const d of step.dataMigrations) out.push(`    data migration ${d.name} (after ${d.after}): ${secs(d.durationMs)} s`);
      for (const b of step.backfills ?? []) out.push(`    backfill ${b.name}: ${int(b.rowsChanged)} rows changed in ${int(b.batches)} batches, ${secs(b.durationMs)} s`);
      if (step.stoppedBefore) out.push(`    stopped before ${step.stoppedBefore} (contract)`);
    }
  }
  out.push('');
  out.push(`checks: ${result.checks.filter((c) => c.ok).length} of ${result.checks.length} passed`);
  for (const c of result.checks) out.push(`  ${c.ok ? '✓' : '✗'} ${c.name}${c.ok ? '' : `: ${c.detail}`}`);
  out.push('');
  out.push(`demo run: ${secs(result.durationMs)} s; files in ${result.tmp}${result.kept ? ' (kept)' : ' (removed)'}; databases ${result.databases.join(', ')} left on the embedded server to look at.`);
  return out.join('\n');
}
