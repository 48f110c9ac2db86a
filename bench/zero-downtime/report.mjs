// Tables, checks and the timeline chart of `pnpm bench zero-downtime`.

const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (a, b) => (b > 0 ? a / b : Infinity);
const x = (r) => (Number.isFinite(r) ? `${r >= 10 ? fmt(r) : r.toFixed(r >= 1 ? 1 : 2)}x` : 'n/a');

export const TARGETS = { failed: 0, abortedClients: 0, stallMs: 300 };

export function resultRows(runs, baseline) {
  const rows = [['run', 'migration s', 'app TPS', 'of no-migration TPS', 'p50 ms', 'p99 ms', 'max ms', 'longest stall ms', 'failed tx', 'aborted clients']];
  rows.push(['no migration (warm-up before each run)', '-', fmt(baseline.tps), '100%', fmt(baseline.p50Ms, 1), fmt(baseline.p99Ms, 1), fmt(baseline.maxMs, 1), fmt(baseline.stallMs, 1), String(baseline.failed), '-']);
  for (const r of runs) {
    rows.push([
      `${r.label}${r.covered ? '' : ' (pgbench ended first)'}`,
      (r.migration.ms / 1000).toFixed(2),
      fmt(r.app.tps),
      `${Math.round((100 * r.app.tps) / Math.max(1, baseline.tps))}%`,
      fmt(r.app.p50Ms, 1),
      fmt(r.app.p99Ms, 1),
      fmt(r.app.maxMs, 1),
      fmt(r.app.stallMs, 1),
      String(r.wholeRun.failed),
      String(r.wholeRun.abortedClients),
    ]);
  }
  return rows;
}

/** (a) relative to (b): how much worse the drizzle-kit way is for the application, and how much longer the sdk takes. */
export function ratios(a, b) {
  return {
    maxLatency: ratio(a.app.maxMs, b.app.maxMs),
    stall: ratio(a.app.stallMs, b.app.stallMs),
    p99: ratio(a.app.p99Ms, b.app.p99Ms),
    tps: ratio(b.app.tps, a.app.tps),
    migrationDuration: ratio(b.migration.ms, a.migration.ms),
  };
}

export function ratioRows(r) {
  return [
    ['ratio', 'value'],
    ['max latency, (a) / (b)', x(r.maxLatency)],
    ['longest stall, (a) / (b)', x(r.stall)],
    ['p99 latency, (a) / (b)', x(r.p99)],
    ['app TPS during the migration, (b) / (a)', x(r.tps)],
    ['migration duration, (b) / (a)', x(r.migrationDuration)],
  ];
}

export function checks(b) {
  return [
    ['0 failed transactions (whole pgbench run)', b.wholeRun.failed === TARGETS.failed, String(b.wholeRun.failed)],
    ['0 aborted pgbench clients', b.wholeRun.abortedClients === TARGETS.abortedClients, String(b.wholeRun.abortedClients)],
    [`no stall over ${TARGETS.stallMs} ms (longest time with no completed transaction)`, b.app.stallMs <= TARGETS.stallMs, `${fmt(b.app.stallMs, 1)} ms`],
    ['pgbench covered the whole migration', b.covered, b.covered ? 'yes' : 'no'],
  ];
}

/** The migration's statements and data migrations with their durations; `markdown` escapes the pipes. */
export function stepRows(run, markdown = false) {
  const total = run.migration.ms;
  return [
    ['step', 'ms', 'of the migration'],
    ...run.migration.steps.map((s) => [markdown ? s.step.replace(/\|/g, '\\|') : s.step, fmt(s.ms), `${((100 * s.ms) / total).toFixed(1)}%`]),
  ];
}

export function markdownTable(rows) {
  const [head, ...body] = rows;
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/**
 * Completed transactions per second (100 ms buckets) around each migration, one panel per run on
 * the same time scale, the migration shaded: a stall is a gap down to zero.
 */
export function timelineChart(title, panels) {
  const width = 900;
  const left = 60;
  const right = 20;
  const panelHeight = 150;
  const gap = 50;
  const top = 40;
  const spanS = Math.max(...panels.map((p) => p.startS + p.tps.length * p.bucketS));
  const originS = Math.min(...panels.map((p) => p.startS));
  const sx = (width - left - right) / (spanS - originS);
  const maxTps = Math.max(1, ...panels.flatMap((p) => p.tps));
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const height = top + panels.length * (panelHeight + gap);
  const body = panels
    .map((p, i) => {
      const y0 = top + i * (panelHeight + gap) + 20;
      const sy = (v) => y0 + panelHeight - (v / maxTps) * panelHeight;
      const px = (s) => left + (s - originS) * sx;
      const points = p.tps.map((v, k) => `${px(p.startS + (k + 0.5) * p.bucketS).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
      const ticks = [];
      for (let s = Math.ceil(originS / 5) * 5; s <= p.startS + p.tps.length * p.bucketS; s += 5) {
        ticks.push(`<line x1="${px(s).toFixed(1)}" y1="${y0 + panelHeight}" x2="${px(s).toFixed(1)}" y2="${y0 + panelHeight + 4}" stroke="#333"/><text x="${px(s).toFixed(1)}" y="${y0 + panelHeight + 16}" text-anchor="middle" font-size="10">${s}s</text>`);
      }
      return `<text x="${left}" y="${y0 - 6}" font-size="13" font-weight="bold">${esc(p.label)}</text>
<rect x="${px(0).toFixed(1)}" y="${y0}" width="${Math.max(1, p.migrationS * sx).toFixed(1)}" height="${panelHeight}" fill="#fde2e2"/>
<line x1="${left}" y1="${y0 + panelHeight}" x2="${width - right}" y2="${y0 + panelHeight}" stroke="#333"/>
<line x1="${left}" y1="${y0}" x2="${left}" y2="${y0 + panelHeight}" stroke="#333"/>
<text x="${left - 6}" y="${y0 + 10}" text-anchor="end" font-size="10">${fmt(maxTps)}</text>
<text x="${left - 6}" y="${y0 + panelHeight}" text-anchor="end" font-size="10">0</text>
${ticks.join('\n')}
<polyline fill="none" stroke="${p.color}" stroke-width="1.2" points="${points}"/>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${body}
</svg>
`;
}
