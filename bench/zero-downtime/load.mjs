// The simulated application for `pnpm bench zero-downtime`: pgbench clients doing a point read and
// a point write of random rows, every transaction in pgbench's per-transaction log, and the
// statistics read back from that log (latency percentiles, the longest stall, failures).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { percentile } from '../lib.mjs';

/**
 * One application transaction: read a user, move it to another org. It is a PL/pgSQL function
 * because pgbench 15 aborts a client (it stops sending anything for the rest of the run) on any
 * SQL error other than a serialization failure (40001) or a deadlock (40P01); those two it counts
 * as failed transactions and goes on. The handler re-raises every error as one of the two, with
 * the original SQLSTATE and message in the text (printed by --verbose-errors), so a failing
 * statement is counted and the client keeps running. The EXCEPTION block costs a subtransaction
 * per call, the same in every run.
 */
export const APP_FUNCTION = `CREATE FUNCTION public.bench_app(p_id bigint, p_org integer, p_fail boolean DEFAULT false) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM id, org_id, email, status FROM auth.users WHERE id = p_id;
  UPDATE auth.users SET org_id = p_org, updated_at = now() WHERE id = p_id;
  IF p_fail THEN
    PERFORM 1 / 0;
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE EXCEPTION USING
    ERRCODE = CASE WHEN SQLSTATE = '40P01' THEN '40P01' ELSE '40001' END,
    MESSAGE = format('application error %s: %s', SQLSTATE, SQLERRM);
END
$$`;

const pgbenchArgs = (server, db, { clients, jobs, seconds, rate, script, logPrefix }) => [
  '-n',
  '-h', server.host,
  '-p', String(server.port),
  '-U', server.user,
  '-c', String(clients),
  '-j', String(jobs),
  '-T', String(seconds),
  ...(rate > 0 ? ['-R', String(rate)] : []),
  '--max-tries=1',
  '--failures-detailed',
  '--verbose-errors',
  '-f', script,
  '-l', '--log-prefix', logPrefix,
  db,
];

const ABORTED = /client \d+ (?:script \d+ )?aborted/;
const ERROR_LINE = /got an error in command \d+ \(SQL\) of script \d+; ERROR:\s+(.*)/;

/**
 * Starts pgbench (at most `seconds`); `stop()` ends it with SIGINT and resolves with what it
 * printed. pgbench writes no summary when interrupted and loses the last buffered part of its
 * log: everything is computed from the log, whose final (partial) line is dropped, and the run
 * goes on for a few seconds after the window it is asked about.
 */
export async function startLoad(server, db, options) {
  const dir = await mkdtemp('/tmp/sdk-bench-zd-pgbench-');
  const script = join(dir, 'app.sql');
  const call = options.fail ? 'SELECT public.bench_app(:id, :org, true);' : 'SELECT public.bench_app(:id, :org);';
  await writeFile(script, `\\set id random(1, ${options.rows})\n\\set org random(1, ${options.orgs})\n${call}\n`);
  const args = pgbenchArgs(server, db, { ...options, script, logPrefix: join(dir, 'tx') });
  const startedAt = Date.now();
  const child = spawn(join(server.binDir, 'pgbench'), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGAPPNAME: 'bench app' } });
  const stdout = [];
  const errors = { count: 0, samples: [], aborted: [] };
  let pending = '';
  child.stdout.on('data', (d) => stdout.push(d));
  child.stderr.on('data', (d) => {
    const lines = (pending + d.toString()).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const m = ERROR_LINE.exec(line);
      if (m) {
        errors.count++;
        if (errors.samples.length < 20) errors.samples.push(m[1]);
      }
      if (ABORTED.test(line)) errors.aborted.push(line.trim());
    }
  });
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    dir,
    startedAt,
    args,
    errors,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const how = await exited;
      return { ...how, stdout: Buffer.concat(stdout).toString(), ranToEnd: how.signal === null };
    },
  };
}

/** Every logged transaction: end time (epoch ms), latency (ms) or a failure kind. */
export async function readLog(load) {
  const ok = [];
  const failed = [];
  for (const f of (await readdir(load.dir)).filter((name) => name.startsWith('tx.'))) {
    for (const line of (await readFile(join(load.dir, f), 'utf8')).split('\n')) {
      // client_id transaction_no time script_no time_epoch time_us [schedule_lag with -R] (pgbench 15, --max-tries=1)
      const p = line.trim().split(/\s+/);
      if (p.length < 6 || !/^\d+$/.test(p[4]) || !/^\d+$/.test(p[5])) continue;
      const end = Number(p[4]) * 1000 + Number(p[5]) / 1000;
      if (/^\d+$/.test(p[2])) ok.push({ end, ms: Number(p[2]) / 1000 });
      else if (['failed', 'serialization', 'deadlock'].includes(p[2])) failed.push({ end, kind: p[2] });
    }
  }
  ok.sort((a, b) => a.end - b.end);
  failed.sort((a, b) => a.end - b.end);
  return { ok, failed };
}

/**
 * The application during [from, to] (epoch ms): throughput of the transactions that ended in it;
 * p50/p99/max latency of every transaction that overlapped it (so one held up by a lock counts
 * with its whole wait); the longest stall, the longest interval overlapping it in which no
 * transaction completed; and the failed transactions that ended in it.
 */
export function windowStats(log, from, to) {
  const latencies = [];
  let ended = 0;
  for (const t of log.ok) {
    if (t.end >= from && t.end <= to) ended++;
    if (t.end - t.ms <= to && t.end >= from) latencies.push(t.ms);
  }
  latencies.sort((a, b) => a - b);
  let stall = { ms: 0, from, to: from };
  let prev = null;
  for (const t of log.ok) {
    if (t.end < from) {
      prev = t.end;
      continue;
    }
    const start = prev ?? from;
    if (t.end - start > stall.ms) stall = { ms: t.end - start, from: start, to: t.end };
    prev = t.end;
    if (t.end > to) break;
  }
  if (prev === null || prev < to) {
    const start = prev ?? from;
    if (to - start > stall.ms) stall = { ms: to - start, from: start, to };
  }
  const failed = log.failed.filter((t) => t.end >= from && t.end <= to);
  const kinds = {};
  for (const t of failed) kinds[t.kind] = (kinds[t.kind] ?? 0) + 1;
  const round = (n) => Number(n.toFixed(1));
  return {
    seconds: round((to - from) / 1000),
    transactions: ended,
    tps: Math.round((ended * 1000) / Math.max(1, to - from)),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? 0),
    stallMs: round(stall.ms),
    stallAt: { fromMs: Math.round(stall.from - from), toMs: Math.round(stall.to - from) },
    failed: failed.length,
    failedKinds: kinds,
  };
}

/** Completed transactions per `bucketMs` from `from` to `to`, as transactions per second. */
export function timeline(log, from, to, bucketMs = 100) {
  const buckets = new Array(Math.max(1, Math.ceil((to - from) / bucketMs))).fill(0);
  for (const t of log.ok) {
    if (t.end < from || t.end >= to) continue;
    buckets[Math.floor((t.end - from) / bucketMs)]++;
  }
  return buckets.map((n) => Math.round((n * 1000) / bucketMs));
}
