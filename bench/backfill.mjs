// `pnpm bench backfill [--rows N] [--reps N] [--clients N]`: fills a column of a 1,000,000-row
// table (score = id % 100 WHERE score IS NULL) three ways on the same server in the same run:
// one UPDATE (the baseline), fixed keyset batches of 1,000 rows committed one by one (what pgroll
// does), and the sdk engine (`backfill()` from @big0290/migrator, defaults, throttle on). First on
// an idle server (rows/s, batch durations), then while pgbench runs point reads and point updates
// on random rows of the same table (the application's TPS, p99 and max latency, failures during
// the backfill, against pgbench alone). The server is a fresh one with PostgreSQL's default
// durability settings (startLocalServer), unless BENCH_DATABASE_URL names one.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { barChart, exec, flags, machine, median, percentile, printTable, requireBuilt, startLocalServer, writeResults } from './lib.mjs';

const KEYSET_ROWS = 1_000;
const WARMUP_MS = 2_000;
const TARGETS = {
  idleRatio: 0.95, // sdk rows/s >= 0.95 x the single UPDATE's
  idleP99BatchMs: 120,
  appMaxLatencyMs: 300,
  appFailed: 0,
  appTpsShare: 0.7, // of the application's TPS alone
  slowdown: 5, // backfill under traffic within 5x its idle duration
};
const METHODS = ['single UPDATE', `keyset ${KEYSET_ROWS.toLocaleString('en-US')}-row batches`, 'sdk backfill()'];

async function resetTable(client, rows) {
  await client.query('DROP TABLE IF EXISTS items');
  await client.query('CREATE TABLE items (id bigint NOT NULL, score int, pad text NOT NULL)');
  await client.query(`INSERT INTO items (id, score, pad) SELECT g, NULL, substr(md5(g::text) || md5((g + 1)::text), 1, 50) FROM generate_series(1, $1::bigint) g`, [rows]);
  await client.query('ALTER TABLE items ADD PRIMARY KEY (id)');
  await client.query('VACUUM ANALYZE items');
  await client.query('CHECKPOINT');
}

async function remaining(client) {
  return Number((await client.query('SELECT count(*)::int AS n FROM items WHERE score IS NULL')).rows[0].n);
}

/** Runs one method on its own session; returns its duration and batch durations (ms). */
async function runMethod(method, connect, backfill, tag) {
  const client = await connect(`bench ${method}`);
  try {
    const began = performance.now();
    if (method === METHODS[0]) {
      const r = await client.query('UPDATE items SET score = id % 100 WHERE score IS NULL');
      const ms = performance.now() - began;
      return { ms, rows: r.rowCount, batches: 1, batchMs: [ms] };
    }
    if (method === METHODS[1]) {
      // pgroll's batch: lock the next rows by key, update them, return the last key; autocommit.
      const batchMs = [];
      let last = '0';
      let rows = 0;
      for (;;) {
        const t = performance.now();
        const r = await client.query(
          `WITH batch AS (SELECT id FROM items WHERE id > $1 ORDER BY id LIMIT ${KEYSET_ROWS} FOR NO KEY UPDATE),
                u AS (UPDATE items SET score = items.id % 100 FROM batch WHERE items.id = batch.id AND items.score IS NULL RETURNING items.id)
           SELECT (SELECT max(id) FROM batch)::text AS hi, (SELECT count(*) FROM u)::int AS n`,
          [last],
        );
        batchMs.push(performance.now() - t);
        if (r.rows[0].hi === null) break;
        last = r.rows[0].hi;
        rows += r.rows[0].n;
      }
      return { ms: performance.now() - began, rows, batches: batchMs.length, batchMs };
    }
    let restMs = 0;
    const result = await backfill(client, {
      table: 'public.items',
      set: 'score = id % 100',
      where: 'score IS NULL',
      name: `bench-${tag}`,
      onEvent: (e) => {
        if (e.type === 'batch') restMs += e.restMs;
      },
    });
    return { ms: performance.now() - began, rows: result.rowsThisRun, batches: result.batches, engine: { durationMs: result.durationMs, batchMs: result.batchMs, restMs } };
  } finally {
    await client.end();
  }
}

function batchStats(run) {
  if (run.engine) return run.engine.batchMs;
  const sorted = [...run.batchMs].sort((a, b) => a - b);
  return { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1)) };
}

/** pgbench for `seconds`, its per-transaction log under a fresh folder; resolves when it exits. */
async function startPgbench(server, db, rows, clients, seconds) {
  const dir = await mkdtemp('/tmp/sdk-bench-pgbench-');
  const script = join(dir, 'app.sql');
  await writeFile(script, `\\set id random(1, ${rows})\nSELECT pad FROM items WHERE id = :id;\nUPDATE items SET pad = pad WHERE id = :id;\n`);
  const args = ['-n', '-h', server.host, '-p', String(server.port), '-U', server.user, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '-f', script, '-l', '--log-prefix', join(dir, 'tx'), db];
  const startedAt = Date.now();
  const done = exec(join(server.binDir, 'pgbench'), args, { env: { ...process.env, PGAPPNAME: 'bench app' } });
  return { dir, startedAt, done };
}

/** The application's transactions in [from, to] (epoch ms): TPS, p99 and max latency, failures. */
async function appStats(bench, out, from, to) {
  const files = (await readdir(bench.dir)).filter((f) => f.startsWith('tx.'));
  const latencies = [];
  let ended = 0;
  let failed = 0;
  for (const f of files) {
    for (const line of (await readFile(join(bench.dir, f), 'utf8')).split('\n')) {
      const p = line.trim().split(/\s+/);
      if (p.length < 6) continue;
      const end = Number(p[4]) * 1000 + Number(p[5]) / 1000;
      if (!/^\d+$/.test(p[2])) {
        if (end >= from && end <= to) failed++;
        continue;
      }
      const us = Number(p[2]);
      const start = end - us / 1000;
      if (end >= from && end <= to) ended++;
      // Latency of every transaction that overlaps the window, including those it held up.
      if (start <= to && end >= from) latencies.push(us / 1000);
    }
  }
  latencies.sort((a, b) => a - b);
  const reported = Number(/number of failed transactions: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  const aborted = (out.stderr.match(/client \d+ aborted/g) ?? []).length;
  return {
    tps: Math.round((ended * 1000) / Math.max(1, to - from)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    maxMs: Number((latencies.at(-1) ?? 0).toFixed(1)),
    failed: failed + aborted,
    failedWholeRun: reported,
    abortedClients: aborted,
    transactions: ended,
  };
}

const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

export async function run(argv) {
  requireBuilt('packages/migrator');
  const { rows, reps, clients } = flags(argv, { rows: 1_000_000, reps: 1, clients: 4 });
  const { backfill } = await import('@big0290/migrator');
  const server = await startLocalServer();
  const db = 'bench';
  const connect = async (applicationName) => {
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, database: db, application_name: applicationName });
    await c.connect();
    return c;
  };
  const idle = Object.fromEntries(METHODS.map((m) => [m, []]));
  const traffic = Object.fromEntries(['application alone', ...METHODS].map((m) => [m, []]));
  let serverVersion = 'unknown';
  let serverSettings = {};
  let pgbenchSeconds = 0;
  try {
    const admin0 = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
    await admin0.connect();
    await admin0.query(`CREATE DATABASE ${db}`);
    serverVersion = (await admin0.query('SHOW server_version')).rows[0].server_version;
    const s = await admin0.query(
      "SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_wal_size','checkpoint_timeout','wal_level','autovacuum') ORDER BY name",
    );
    serverSettings = Object.fromEntries(s.rows.map((r) => [r.name, r.setting]));
    await admin0.end();
    const admin = await connect('bench admin');
    console.error(`bench backfill: ${fmt(rows)} rows, ${reps} rep(s), ${clients} pgbench clients, PostgreSQL ${serverVersion} (${JSON.stringify(serverSettings)})`);
    let tag = 0;

    // Warm-up, not measured: the first big UPDATE on a fresh server also creates its WAL segments
    // (later runs recycle them), which would handicap whichever method goes first.
    await resetTable(admin, rows);
    await admin.query('UPDATE items SET score = id % 100 WHERE score IS NULL');

    // Idle: each method alone, from the same fresh table.
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? METHODS : [...METHODS].reverse();
      for (const method of order) {
        await resetTable(admin, rows);
        const r = await runMethod(method, connect, backfill, `idle-${rep}-${tag++}`);
        const left = await remaining(admin);
        if (left !== 0) throw new Error(`${method} left ${left} rows with score NULL`);
        idle[method].push({ ms: r.ms, rowsPerSecond: Math.round((rows * 1000) / r.ms), batches: r.batches, batchMs: batchStats(r), restMs: r.engine?.restMs ?? 0 });
        console.error(`  idle ${method}: ${(r.ms / 1000).toFixed(2)} s, ${fmt((rows * 1000) / r.ms)} rows/s, ${r.batches} batches, batch p99 ${batchStats(r).p99} ms`);
      }
    }

    // Under traffic: pgbench runs long enough to cover 6x the slowest idle backfill.
    const slowestIdle = Math.max(...METHODS.map((m) => median(idle[m].map((x) => x.ms))));
    const seconds = (pgbenchSeconds = Math.max(20, Math.ceil((WARMUP_MS + 6 * slowestIdle) / 1000) + 3));
    console.error(`  under traffic: pgbench -c ${clients} -T ${seconds} each time; the backfill starts ${WARMUP_MS} ms in`);
    for (let rep = 0; rep < reps; rep++) {
      for (const method of ['application alone', ...(rep % 2 === 0 ? METHODS : [...METHODS].reverse())]) {
        await resetTable(admin, rows);
        const bench = await startPgbench(server, db, rows, clients, seconds);
        try {
          await new Promise((r) => setTimeout(r, WARMUP_MS));
          let from = Date.now();
          let to;
          let r;
          if (method !== 'application alone') {
            r = await runMethod(method, connect, backfill, `traffic-${rep}-${tag++}`);
            to = Date.now();
          }
          const out = await bench.done;
          if (out.code !== 0) throw new Error(`pgbench exited with ${out.code}: ${out.stderr.slice(0, 500)}`);
          const pgbenchEnd = bench.startedAt + seconds * 1000;
          if (method === 'application alone') to = pgbenchEnd;
          const covered = to <= pgbenchEnd;
          const app = await appStats(bench, out, from, Math.min(to, pgbenchEnd));
          if (r) {
            const left = await remaining(admin);
            if (left !== 0) throw new Error(`${method} left ${left} rows with score NULL`);
          }
          const sample = { app, coveredByPgbench: covered };
          if (r) Object.assign(sample, { ms: r.ms, rowsPerSecond: Math.round((rows * 1000) / r.ms), batches: r.batches, batchMs: batchStats(r), restMs: r.engine?.restMs ?? 0 });
          traffic[method].push(sample);
          console.error(
            `  traffic ${method}: ${r ? `${(r.ms / 1000).toFixed(2)} s, ${r.batches} batches, batch p99 ${batchStats(r).p99} ms${r.engine ? `, rested ${(r.engine.restMs / 1000).toFixed(1)} s` : ''}; ` : ''}app ${fmt(app.tps)} TPS, p99 ${app.p99Ms} ms, max ${app.maxMs} ms, failed ${app.failed}${covered ? '' : ' (pgbench ended first)'}`,
          );
        } finally {
          await bench.done.catch(() => {});
          await rm(bench.dir, { recursive: true, force: true });
        }
      }
    }
    await admin.end();
  } finally {
    await server.stop();
  }

  // Medians across repetitions.
  const med = (list, f) => median(list.map(f));
  const base = med(idle[METHODS[0]], (x) => x.rowsPerSecond);
  const appAloneTps = med(traffic['application alone'], (x) => x.app.tps);
  const idleRows = [['method', 'duration s', 'rows/s', 'vs single UPDATE', 'batches', 'batch p50 ms', 'batch p99 ms', 'batch max ms']];
  const summaryJson = {};
  for (const m of METHODS) {
    const rps = med(idle[m], (x) => x.rowsPerSecond);
    idleRows.push([
      m,
      (med(idle[m], (x) => x.ms) / 1000).toFixed(2),
      fmt(rps),
      (rps / base).toFixed(2),
      fmt(med(idle[m], (x) => x.batches)),
      m === METHODS[0] ? '-' : fmt(med(idle[m], (x) => x.batchMs.p50)),
      m === METHODS[0] ? '-' : fmt(med(idle[m], (x) => x.batchMs.p99)),
      fmt(med(idle[m], (x) => x.batchMs.max)),
    ]);
    summaryJson[m] = { idle: { ms: med(idle[m], (x) => x.ms), rowsPerSecond: rps, ratio: rps / base, batchP99Ms: med(idle[m], (x) => x.batchMs.p99) } };
  }
  const trafficRows = [['method', 'backfill s', 'vs its idle duration', 'app TPS', 'of app alone', 'app p99 ms', 'app max ms', 'failed tx', 'rested s']];
  for (const m of ['application alone', ...METHODS]) {
    const list = traffic[m];
    const tps = med(list, (x) => x.app.tps);
    const row = {
      ms: m === 'application alone' ? null : med(list, (x) => x.ms),
      tps,
      tpsShare: tps / appAloneTps,
      p99Ms: med(list, (x) => x.app.p99Ms),
      maxMs: med(list, (x) => x.app.maxMs),
      failed: Math.max(...list.map((x) => x.app.failed)),
      restMs: m === 'application alone' ? null : med(list, (x) => x.restMs),
      covered: list.every((x) => x.coveredByPgbench),
    };
    if (row.ms !== null) row.slowdown = row.ms / summaryJson[m].idle.ms;
    trafficRows.push([
      m,
      row.ms === null ? '-' : `${(row.ms / 1000).toFixed(2)}${row.covered ? '' : ' (outlasted pgbench)'}`,
      row.ms === null ? '-' : `${row.slowdown.toFixed(2)}x`,
      fmt(tps),
      `${(row.tpsShare * 100).toFixed(0)}%`,
      fmt(row.p99Ms, 1),
      fmt(row.maxMs, 1),
      String(row.failed),
      m === METHODS[2] ? (row.restMs / 1000).toFixed(1) : '-',
    ]);
    if (m === 'application alone') summaryJson[m] = { traffic: row };
    else summaryJson[m].traffic = row;
  }
  const sdk = summaryJson[METHODS[2]];
  const checks = [
    [`idle: rows/s >= ${TARGETS.idleRatio} x single UPDATE`, sdk.idle.ratio >= TARGETS.idleRatio, sdk.idle.ratio.toFixed(2)],
    [`idle: p99 batch < ${TARGETS.idleP99BatchMs} ms`, sdk.idle.batchP99Ms < TARGETS.idleP99BatchMs, `${sdk.idle.batchP99Ms} ms`],
    [`traffic: app max latency < ${TARGETS.appMaxLatencyMs} ms`, sdk.traffic.maxMs < TARGETS.appMaxLatencyMs, `${fmt(sdk.traffic.maxMs, 1)} ms`],
    ['traffic: 0 failed transactions', sdk.traffic.failed === TARGETS.appFailed, String(sdk.traffic.failed)],
    [`traffic: app TPS >= ${TARGETS.appTpsShare * 100}% of alone`, sdk.traffic.tpsShare >= TARGETS.appTpsShare, `${(sdk.traffic.tpsShare * 100).toFixed(0)}%`],
    [`traffic: backfill within ${TARGETS.slowdown}x its idle duration`, sdk.traffic.slowdown <= TARGETS.slowdown, `${sdk.traffic.slowdown.toFixed(2)}x`],
  ];
  const checkRows = [['sdk target', 'measured', 'met'], ...checks.map(([name, ok, value]) => [name, value, ok ? 'yes' : 'NO'])];
  const m = machine();
  const machineLine = `Node ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB; PostgreSQL ${serverVersion}, a fresh server (initdb) with ${Object.entries(serverSettings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}, on a Unix socket.`;
  console.log('\nidle');
  printTable(idleRows);
  console.log(`\nunder traffic (pgbench, ${clients} clients, point read + point update of random rows)`);
  printTable(trafficRows);
  console.log('');
  printTable(checkRows);
  console.log(`\n${machineLine}`);
  const md = (rowsOf) => {
    const [head, ...body] = rowsOf;
    return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  };
  const met = checks.filter((c) => c[1]).length;
  const summary = [
    `Filling \`score = id % 100 WHERE score IS NULL\` on a ${fmt(rows)}-row table \`items(id bigint primary key, score int, pad text)\` (50-byte pad), re-created and VACUUM ANALYZEd (then CHECKPOINT) before every run; median of ${reps} rep(s). Methods: one UPDATE (baseline); pgroll-style keyset batches of ${fmt(KEYSET_ROWS)} rows, one transaction each; the sdk engine, \`backfill()\` with its defaults (throttle on).`,
    `sdk targets met: ${met} of ${checks.length}.`,
    md(checkRows),
    `## Under traffic\n\npgbench, ${clients} clients (\`-T\` covering the backfill, which starts ${WARMUP_MS / 1000} s in), one transaction = \`SELECT pad FROM items WHERE id = :id\` then \`UPDATE items SET pad = pad WHERE id = :id\` on a random row. App figures are over the backfill's duration (TPS: transactions ending in it; p99/max latency: every transaction overlapping it); "application alone" is pgbench by itself over the same span after the warm-up. "rested s" is the sum of the rests the sdk's throttle chose.`,
    md(trafficRows),
    `## Idle\n\nThe table below is the idle server (nothing else running).`,
  ].join('\n\n');
  const dir = await writeResults('backfill', {
    json: {
      benchmark: 'backfill',
      date: new Date().toISOString(),
      machine: m,
      machineLine,
      serverVersion,
      serverSettings,
      rows,
      reps,
      clients,
      pgbenchSeconds,
      targets: TARGETS,
      checks: checks.map(([name, ok, value]) => ({ name, met: ok, value })),
      summary: summaryJson,
      samples: { idle, traffic },
    },
    tableRows: idleRows,
    summary: `${summary.replace('## Idle', `${machineLine}\n\n## Idle`)}`,
    chart: barChart(`Backfill ${fmt(rows)} rows: thousand rows/s, idle and under traffic`, [
      ...METHODS.map((mm, i) => ({ label: `${mm.replace(/-row batches/, '')} idle`, value: summaryJson[mm].idle.rowsPerSecond / 1000, color: ['#4a5568', '#b7791f', '#2f855a'][i] })),
      ...METHODS.map((mm, i) => ({ label: `${mm.replace(/-row batches/, '')} traffic`, value: rows / summaryJson[mm].traffic.ms, color: ['#a0aec0', '#ecc94b', '#68d391'][i] })),
    ], 'k rows/s'),
  });
  console.error(`results written to ${dir}`);
}
