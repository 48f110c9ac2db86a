// `pnpm bench zero-downtime`: the guide's change to a table of 1,000,000 users while an application
// reads and writes it: add a required column (NOT NULL, a value for the existing rows), an index
// and a foreign key. Two ways, each on the same freshly built data, under the same pgbench load,
// on the same server in the same run:
//  (a) what drizzle-kit users ship: drizzle-kit's statements with the UPDATE the guide adds, in one
//      migration file applied by drizzle-orm's migrate() (one transaction: ADD COLUMN's ACCESS
//      EXCLUSIVE lock is held until the UPDATE, SET NOT NULL's scan, the validating foreign key and
//      the index build are done);
//  (b) the sdk's operations (add-required-column, add-index, add-foreign-key) written by
//      writeOperation as phased migrations + data migrations, applied by @big0290/migrator's
//      migrate({ phase: 'expand', dataMigrationsFolder }) then migrate({ dataMigrationsFolder }).
// The application is pgbench (zero-downtime/load.mjs): every transaction is logged, and the
// report gives its p50/p99/max latency, the longest stall (the longest time in which no
// transaction completed), failed transactions and TPS during each migration.
//
// Knobs (environment, or --rows N style flags): ROWS (1,000,000), ORGS (1,000), CLIENTS (4), JOBS
// (pgbench threads, 2), WARMUP (s of load before the migration, 5), TAIL (s after it, 3), RATE
// (pgbench -R, 0 = as fast as it goes), DURATION (a fixed pgbench -T; by default pgbench is
// stopped TAIL s after the migration). SMOKE=1: 50,000 rows, 100 orgs, WARMUP 2, TAIL 1, about
// 15 s, its results files in a temporary folder (bench/results holds the full run).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { RESULTS_DIR, machine, printTable, requireBuilt, startLocalServer } from './lib.mjs';
import { APP_FUNCTION, readLog, startLoad, timeline, windowStats } from './zero-downtime/load.mjs';
import { BACKFILL, DRIZZLE_KIT_SQL, TABLES, finalShape, prepareDrizzle, prepareSdk } from './zero-downtime/change.mjs';
import { TARGETS, checks, markdownTable, ratioRows, ratios, resultRows, stepRows, timelineChart } from './zero-downtime/report.mjs';

const DB = 'app';
const PGBENCH_CAP_S = 1_800;

function settings(argv) {
  const smoke = process.env.SMOKE === '1';
  const defaults = smoke
    ? { rows: 50_000, orgs: 100, clients: 4, jobs: 2, warmup: 2, tail: 1, rate: 0, duration: 0 }
    : { rows: 1_000_000, orgs: 1_000, clients: 4, jobs: 2, warmup: 5, tail: 3, rate: 0, duration: 0 };
  const out = { smoke };
  for (const [key, value] of Object.entries(defaults)) {
    const fromEnv = process.env[key.toUpperCase()];
    const i = argv.indexOf(`--${key}`);
    const given = i >= 0 ? argv[i + 1] : fromEnv;
    out[key] = given === undefined || given === '' ? value : Number(given);
    if (!Number.isFinite(out[key]) || out[key] < 0) throw new Error(`${key.toUpperCase()} must be a number >= 0, not ${given}`);
  }
  out.jobs = Math.max(1, Math.min(out.jobs, out.clients));
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh `app` database: drizzle-kit's tables, `rows` users in `orgs` orgs, the application's function; VACUUM ANALYZE and CHECKPOINT. */
async function freshDatabase(server, cfg) {
  const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB}`);
  } finally {
    await admin.end();
  }
  const client = await connect(server, 'bench setup');
  try {
    for (const sql of TABLES) await client.query(sql);
    await client.query(`INSERT INTO auth.orgs (id, name) SELECT g, 'org ' || g FROM generate_series(1, $1::int) g`, [cfg.orgs]);
    await client.query(
      `INSERT INTO auth.users (id, org_id, email, status, updated_at)
       SELECT g, 1 + (g * 7919) % $2::int, 'user' || g || '@example.com', 'active', now() - (g % 1000) * interval '1 minute' FROM generate_series(1, $1::bigint) g`,
      [cfg.rows, cfg.orgs],
    );
    await client.query(APP_FUNCTION);
    await client.query('VACUUM ANALYZE');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

async function connect(server, applicationName) {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: DB, application_name: applicationName });
  await client.connect();
  return client;
}

/**
 * pgbench's error handling, shown on this machine before the runs: a client whose transaction
 * fails must be counted and keep running. Every transaction of the probe fails on purpose.
 */
async function probeErrorHandling(server, cfg) {
  const load = await startLoad(server, DB, { ...cfg, clients: 2, jobs: 1, seconds: 1, rate: 0, fail: true });
  await load.exited;
  const out = await load.stop();
  const log = await readLog(load);
  await rm(load.dir, { recursive: true, force: true });
  const result = { failedLogged: log.failed.length, succeeded: log.ok.length, errorsPrinted: load.errors.count, abortedClients: load.errors.aborted.length, exitCode: out.code, sample: load.errors.samples[0] ?? null };
  if (result.failedLogged < 4 || result.succeeded > 0 || result.abortedClients > 0 || result.errorsPrinted < result.failedLogged) {
    throw new Error(`pgbench does not count failing transactions and carry on as this benchmark needs: ${JSON.stringify(result)}`);
  }
  return result;
}

/** One way of making the change, under load; returns the migration's timings and the application's figures. */
async function runOne(server, cfg, label, prepared) {
  const url = `postgresql://${server.user}@localhost:${server.port}/${DB}?host=${encodeURIComponent(server.host)}`;
  const loadBefore = loadavg()[0];
  const load = await startLoad(server, DB, { ...cfg, seconds: cfg.duration || PGBENCH_CAP_S });
  try {
    await sleep(cfg.warmup * 1000);
    const from = Date.now();
    const migration = await prepared.apply({ config: { host: server.host, port: server.port, user: server.user, database: DB }, url });
    const to = Date.now();
    if (cfg.duration) await load.exited;
    else await sleep(cfg.tail * 1000);
    const out = await load.stop();
    const stoppedAt = Date.now();
    const pgbenchEnd = cfg.duration ? load.startedAt + cfg.duration * 1000 : stoppedAt;
    const covered = to + (cfg.duration ? 0 : cfg.tail * 1000) <= pgbenchEnd && (cfg.duration > 0 || !out.ranToEnd);
    const log = await readLog(load);
    const app = windowStats(log, from, to);
    // Which steps of the migration ran during the longest stall.
    const offset = migration.startedAt - from;
    app.stallDuring = migration.steps
      .filter((s) => s.startMs !== undefined && s.startMs + offset <= app.stallAt.toMs && s.startMs + offset + s.ms >= app.stallAt.fromMs)
      .map((s) => s.step);
    // The application during each phase (expand with its backfill, contract).
    let phaseStart = migration.startedAt;
    const phases = migration.phases.map((ph) => {
      const stats = windowStats(log, phaseStart, phaseStart + ph.ms);
      phaseStart += ph.ms;
      return { phase: ph.phase, ...stats };
    });
    const baseline = windowStats(log, from - cfg.warmup * 1000 + Math.min(1000, (cfg.warmup * 1000) / 2), from);
    const { shape, backfills, events } = await (async () => {
      const client = await connect(server, 'bench check');
      try {
        const relations = Object.fromEntries((await client.query("SELECT oid::text, oid::regclass::text AS name FROM pg_class WHERE relnamespace = 'auth'::regnamespace")).rows.map((r) => [r.oid, r.name]));
        const logged = await serverEvents(server, from - cfg.warmup * 1000, stoppedAt, from, relations);
        // The sdk's record of its backfills (batches, rows), when it ran any.
        const recorded = (await client.query("SELECT to_regclass('sdk_migrator.backfills') IS NOT NULL AS ok")).rows[0].ok
          ? (await client.query('SELECT name, batches::int, rows_changed::int AS "rowsChanged", rows_scanned::int AS "rowsScanned", duration_ms::int AS "durationMs" FROM sdk_migrator.backfills ORDER BY started_at')).rows
          : [];
        return { shape: await finalShape(client), backfills: recorded, events: logged };
      } finally {
        await client.end();
      }
    })();
    const bucketMs = 100;
    const chartFrom = from - Math.min(2000, cfg.warmup * 1000);
    const chartTo = Math.min(stoppedAt, to + cfg.tail * 1000);
    return {
      label,
      covered,
      // The machine's 1-minute load average before the run (pgbench, the migration and anything
      // else running on it) and after: other work on a 2-core machine shows in every figure.
      loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      migration,
      app,
      phases,
      baseline,
      wholeRun: {
        transactions: log.ok.length,
        failed: log.failed.length,
        failedKinds: windowStats(log, 0, Number.MAX_SAFE_INTEGER).failedKinds,
        abortedClients: load.errors.aborted.length,
        aborted: load.errors.aborted,
        errorSamples: load.errors.samples,
        pgbenchSummary: cfg.duration ? out.stdout : null,
      },
      shape,
      backfills,
      serverEvents: events,
      timeline: { startS: (chartFrom - from) / 1000, bucketS: bucketMs / 1000, migrationS: (to - from) / 1000, tps: timeline(log, chartFrom, chartTo, bucketMs) },
    };
  } finally {
    await load.stop().catch(() => {});
    await rm(load.dir, { recursive: true, force: true });
  }
}

/**
 * What the server logged between `from` and `to` (epoch ms) about locks and autovacuum: lock
 * waits longer than deadlock_timeout, autovacuum runs and cancellations, with their time in ms
 * from `origin`. Entries are a timestamped line and its DETAIL/CONTEXT lines.
 */
async function serverEvents(server, from, to, origin, relations) {
  const text = await readFile(join(server.host, 'server.log'), 'utf8').catch(() => '');
  const entries = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) UTC \[(\d+)\] (.*)$/.exec(line);
    const last = entries.at(-1);
    if (m && !(/^(DETAIL|CONTEXT|STATEMENT|HINT):/.test(m[4]) && last?.pid === m[3])) entries.push({ at: Date.parse(`${m[1]}T${m[2]}Z`), pid: m[3], text: m[4] });
    else if (last && line.trim()) last.text += ` ${(m ? m[4] : line).trim()}`;
  }
  const autovacuum = new Set(entries.filter((e) => /autovacuum|automatic (?:vacuum|analyze)/.test(e.text)).map((e) => e.pid));
  // Kept: autovacuum of the bench's tables and its cancellations; lock waits on them (of the
  // application's sessions only the line that says how long it waited in all).
  const relevant = (e) => {
    if (/canceling autovacuum/.test(e.text)) return true;
    if (/automatic (?:vacuum|analyze) of table "[^"]*\.auth\./.test(e.text)) return true;
    const lock = /(?:still waiting for|acquired) \w+Lock on relation (\d+)/.exec(e.text);
    if (!lock || !relations[lock[1]]) return false;
    return !e.text.includes('bench_app') || e.text.includes('acquired');
  };
  return entries
    .filter((e) => e.at >= from && e.at <= to && relevant(e))
    .map((e) => ({
      atMs: e.at - origin,
      pid: Number(e.pid),
      text: `[${e.pid}${autovacuum.has(e.pid) ? ' autovacuum' : ''}] ${e.text}`
        .replace(/relation (\d+) of database \d+/g, (all, oid) => (relations[oid] ? `relation ${relations[oid]}` : all))
        .replace(/(holding the lock|Wait queue): ([\d, ]+)/g, (all, what, pids) => `${what}: ${pids.split(/,\s*/).map((p) => (autovacuum.has(p.trim()) ? `${p.trim()} (autovacuum)` : p.trim())).join(', ')}`)
        .replace(/\s+/g, ' ')
        .slice(0, 400),
    }));
}

/** Both ways must leave the same schema and data, or the comparison means nothing. */
function sameResult(a, b) {
  const strip = (s) => JSON.stringify(s);
  if (strip(a.shape) !== strip(b.shape)) throw new Error(`the two ways left different schemas:\n(a) ${strip(a.shape)}\n(b) ${strip(b.shape)}`);
  const col = a.shape.column[0];
  if (!col?.attnotnull || a.shape.wrongValues !== 0) throw new Error(`phone_number is not NOT NULL and filled: ${strip(a.shape)}`);
  if (a.shape.indexes.some((i) => !i.indisvalid) || a.shape.constraints.some((c) => !c.convalidated)) throw new Error(`an index or constraint is not valid: ${strip(a.shape)}`);
}

const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

export async function run(argv) {
  requireBuilt('packages/migrator');
  const cfg = settings(argv);
  const sdk = await import('@big0290/migrator');
  // Logging only (no change in behaviour): lock waits past deadlock_timeout and every autovacuum,
  // read back from the server log to tell what a stall of the application waited for.
  const server = await startLocalServer({ settings: { log_lock_waits: 'on', log_autovacuum_min_duration: 0, log_timezone: 'UTC' } });
  const folders = [];
  let serverVersion = 'unknown';
  let serverSettings = {};
  let probe;
  const runs = [];
  const began = Date.now();
  try {
    const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
    await admin.connect();
    serverVersion = (await admin.query('SHOW server_version')).rows[0].server_version;
    const s = await admin.query(
      "SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_wal_size','checkpoint_timeout','wal_level','autovacuum','maintenance_work_mem','deadlock_timeout','log_lock_waits') ORDER BY name",
    );
    serverSettings = Object.fromEntries(s.rows.map((r) => [r.name, r.setting]));
    await admin.end();
    console.error(
      `bench zero-downtime${cfg.smoke ? ' (SMOKE)' : ''}: ${fmt(cfg.rows)} users, ${fmt(cfg.orgs)} orgs; pgbench ${cfg.clients} clients, ${cfg.jobs} threads${cfg.rate ? `, ${cfg.rate} TPS` : ''}; PostgreSQL ${serverVersion}`,
    );

    // Warm-up, not measured: the first big UPDATE on a fresh server also creates its WAL segments
    // (later runs recycle them), which would handicap whichever way goes first.
    await freshDatabase(server, cfg);
    const warm = await connect(server, 'bench warm-up');
    await warm.query("UPDATE auth.users SET status = 'active'");
    await warm.end();
    probe = await probeErrorHandling(server, cfg);
    console.error(`  pgbench error handling: ${probe.failedLogged} failing transactions logged as failed, ${probe.abortedClients} clients aborted (${probe.sample})`);

    for (const way of ['a', 'b']) {
      await freshDatabase(server, cfg);
      let prepared;
      let label;
      if (way === 'a') {
        prepared = await prepareDrizzle();
        label = '(a) drizzle-kit SQL, drizzle-orm migrate()';
      } else {
        const client = await connect(server, 'bench plan');
        try {
          prepared = await prepareSdk(sdk, client);
        } finally {
          await client.end();
        }
        label = '(b) sdk operations, expand + contract';
      }
      folders.push(prepared.folder);
      const r = await runOne(server, cfg, label, prepared);
      r.files = prepared.files;
      runs.push(r);
      console.error(`  ${label}: longest stall from ${r.app.stallAt.fromMs} to ${r.app.stallAt.toMs} ms into the migration, during: ${r.app.stallDuring.join('; ') || '-'}`);
      console.error(
        `  ${label}: migration ${(r.migration.ms / 1000).toFixed(2)} s; app ${fmt(r.app.tps)} TPS, p50 ${r.app.p50Ms} ms, p99 ${r.app.p99Ms} ms, max ${fmt(r.app.maxMs, 1)} ms, longest stall ${fmt(r.app.stallMs, 1)} ms, failed ${r.wholeRun.failed}, aborted clients ${r.wholeRun.abortedClients}${r.covered ? '' : ' (pgbench ended before the migration did)'}`,
      );
    }
    sameResult(runs[0], runs[1]);
  } finally {
    await server.stop();
    for (const f of folders) await rm(f, { recursive: true, force: true });
  }

  const [a, b] = runs;
  // No-migration figures: the warm-up of both runs together.
  const base = {
    tps: Math.round((a.baseline.transactions + b.baseline.transactions) / (a.baseline.seconds + b.baseline.seconds)),
    p50Ms: Math.max(a.baseline.p50Ms, b.baseline.p50Ms),
    p99Ms: Math.max(a.baseline.p99Ms, b.baseline.p99Ms),
    maxMs: Math.max(a.baseline.maxMs, b.baseline.maxMs),
    stallMs: Math.max(a.baseline.stallMs, b.baseline.stallMs),
    failed: a.baseline.failed + b.baseline.failed,
  };
  const table = resultRows(runs, base);
  const ratioValues = ratios(a, b);
  const checkList = checks(b);
  const met = checkList.every((c) => c[1]);
  const checkRows = [['(b) target', 'measured', 'met'], ...checkList.map(([name, ok, value]) => [name, value, ok ? 'yes' : 'NO'])];
  const m = machine();
  const machineLine = `Node ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB; PostgreSQL ${serverVersion}, a fresh server (initdb) with ${Object.entries(serverSettings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}, on a Unix socket; pgbench and the migrations on the same machine.`;
  const verdict = `(b) ${met ? 'met' : 'did NOT meet'} its targets: ${checkList.map(([name, ok, value]) => `${name}: ${value}${ok ? '' : ' (missed)'}`).join('; ')}.`;

  console.log('');
  printTable(table);
  console.log('');
  printTable(ratioRows(ratioValues));
  console.log('');
  printTable(checkRows);
  for (const r of runs) {
    console.log(`\n${r.label}: where the time goes`);
    printTable(stepRows(r));
  }
  console.log(`\n${verdict}\n${machineLine}`);

  const phaseLine = (r) => r.migration.phases.map((p) => `${p.phase} ${(p.ms / 1000).toFixed(2)} s`).join(', ');
  const during = (steps) => (steps.length > 3 ? `every step from \`${steps[0]}\` to \`${steps.at(-1)}\` (${steps.length} steps)` : steps.map((x) => `\`${x}\``).join('; '));
  const stallLine = (r) =>
    `The longest stall, ${fmt(r.app.stallMs, 1)} ms, ran from ${(r.app.stallAt.fromMs / 1000).toFixed(2)} s to ${(r.app.stallAt.toMs / 1000).toFixed(2)} s after the migration started${r.app.stallDuring.length ? `, during ${during(r.app.stallDuring)}` : ''}.`;
  const eventLines = (r) =>
    r.serverEvents.length === 0
      ? 'The server logged no lock wait over deadlock_timeout on auth.* and no autovacuum of auth.* during it.'
      : `What the server logged during it (lock waits over deadlock_timeout on auth.*, autovacuum of auth.*; ms from the migration's start; \`bench_app\` is the application):\n\n${r.serverEvents.map((e) => `- ${fmt(e.atMs)} ms: ${e.text.replace(/\|/g, '\\|')}`).join('\n')}`;
  const backfillLine = (r) =>
    r.backfills.length === 0
      ? ''
      : `The sdk's record of its backfills: ${r.backfills.map((x) => `${x.name}: ${fmt(x.batches)} batches, ${fmt(x.rowsChanged)} rows changed of ${fmt(x.rowsScanned)} scanned, ${(x.durationMs / 1000).toFixed(1)} s`).join('; ')}.`;
  const md = [
    '# zero-downtime benchmark',
    `The guide's change to \`auth.users\` (${fmt(cfg.rows)} rows; \`auth.orgs\` ${fmt(cfg.orgs)} rows): add \`phone_number varchar(20) NOT NULL\`, set to \`${BACKFILL}\` for the existing rows, an index on \`email\` and a foreign key \`org_id -> auth.orgs(id)\`; made two ways on the same freshly built data (re-created, VACUUM ANALYZEd and CHECKPOINTed before each), under the same load, one after the other in the same run:`,
    `- **(a)** drizzle-kit 0.31's statements (the nullable ADD COLUMN, the UPDATE the guide adds, SET NOT NULL, the validating ADD CONSTRAINT ... FOREIGN KEY, a plain CREATE INDEX) as one migration file, applied by drizzle-orm's \`migrate()\` (\`drizzle-orm/node-postgres/migrator\`), which runs it in one transaction;\n- **(b)** the sdk's operations add-required-column (with the value for existing rows), add-index and add-foreign-key, each resolved and planned against the database and written by \`writeOperation\` (${b.files.filter((f) => f.kind === 'migration').length} migration files + ${b.files.filter((f) => f.kind === 'data-migration').length} data migrations), applied by \`migrate({ phase: 'expand', dataMigrationsFolder })\` and then \`migrate({ dataMigrationsFolder })\` (the contract) right after it: the deploy of the new application in between takes no time here.`,
    `**${verdict}**`,
    markdownTable(table),
    markdownTable(checkRows),
    markdownTable(ratioRows(ratioValues)),
    '![Application TPS during each migration](zero-downtime.svg)',
    '## How the application is measured',
    `pgbench, ${cfg.clients} clients, ${cfg.jobs} threads${cfg.rate ? `, -R ${cfg.rate}` : ', unthrottled'}; one transaction reads a random user by id and moves it to a random org (\`UPDATE auth.users SET org_id, updated_at WHERE id\`); ${cfg.warmup} s of load before the migration and ${cfg.tail} s after it; every transaction in pgbench's log (\`-l\`, no sampling). Over the migration window: TPS counts the transactions that ended in it; p50/p99/max latency are of every transaction that overlapped it (one held up by a lock counts with its whole wait); **the longest stall is the longest time, overlapping the migration, in which no transaction completed**, from the completion times in the log. Failed transactions and aborted clients are counted over the whole pgbench run. "no migration" is the load alone during the two warm-ups (first second left out).`,
    `Failures: pgbench 15 counts only serialization failures and deadlocks as failed transactions (with \`--max-tries=1 --failures-detailed\`) and carries on after them; any other SQL error aborts the client for the rest of the run, without counting a failed transaction (seen here: a plain failing statement gives "client N script 0 aborted in command 0" and "number of failed transactions: 0"). So the transaction is a PL/pgSQL function whose handler re-raises any error as SQLSTATE 40001 (a deadlock as 40P01), keeping the original code and message (printed by \`--verbose-errors\`): every failing statement is counted and its client goes on. Checked on this machine before the runs: ${fmt(probe.failedLogged)} transactions made to fail were all logged as failed, ${probe.abortedClients} clients aborted ("${probe.sample}"). pgbench is stopped with SIGINT ${cfg.tail} s after the migration${cfg.duration ? ' (here: a fixed -T instead)' : ''}, so it prints no summary; every figure comes from its log.`,
    '## Where the time goes',
    `(a) ${phaseLine(a)}: one transaction; the ADD COLUMN's ACCESS EXCLUSIVE lock on auth.users is held from the first statement to the COMMIT, so every read and write of the table waits for all of it.`,
    markdownTable(stepRows(a, true)),
    stallLine(a),
    eventLines(a),
    `(b) ${phaseLine(b)}. Every statement runs under the runner's lock_timeout with retries; the backfill is the sdk's batched, throttled engine; CREATE INDEX CONCURRENTLY runs outside a transaction; the NOT VALID check and foreign key are validated under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on.`,
    markdownTable(stepRows(b, true)),
    backfillLine(b),
    stallLine(b),
    eventLines(b),
    'The application during each phase of (b):',
    markdownTable([
      ['phase', 's', 'app TPS', 'of no-migration TPS', 'p50 ms', 'p99 ms', 'max ms', 'longest stall ms', 'failed tx'],
      ...b.phases.map((p) => [p.phase, p.seconds.toFixed(1), fmt(p.tps), `${Math.round((100 * p.tps) / Math.max(1, base.tps))}%`, fmt(p.p50Ms, 1), fmt(p.p99Ms, 1), fmt(p.maxMs, 1), fmt(p.stallMs, 1), String(p.failed)]),
    ]),
    'Both ways left the same schema and data (checked after each run): phone_number NOT NULL and set for every row, users_email_idx valid, users_org_id_orgs_id_fk validated, no leftover constraint.',
    `${machineLine} The machine's 1-minute load average before (a): ${a.loadAverage.before}, before (b): ${b.loadAverage.before}, after (b): ${b.loadAverage.after} (this bench's own processes, ${cfg.clients} pgbench clients + pgbench + the migration, make up to about ${cfg.clients + 2} of it; more is other work on the machine).`,
  ].join('\n\n');
  const json = {
    benchmark: 'zero-downtime',
    date: new Date().toISOString(),
    benchSeconds: Math.round((Date.now() - began) / 1000),
    machine: m,
    machineLine,
    serverVersion,
    serverSettings,
    settings: cfg,
    targets: TARGETS,
    met,
    checks: checkList.map(([name, ok, value]) => ({ name, met: ok, value })),
    ratios: ratioValues,
    definitions: {
      stallMs: 'longest interval overlapping the migration in which no application transaction completed (gap between consecutive completion times in the pgbench log)',
      latency: 'of every successful transaction whose run overlapped the migration',
      tps: 'successful transactions that ended during the migration, per second',
      failed: 'failed transactions (logged as failed by pgbench) over the whole pgbench run',
    },
    pgbenchErrorProbe: probe,
    noMigration: base,
    runs: runs.map(({ timeline: t, ...r }) => ({ ...r, timeline: { startS: t.startS, bucketS: t.bucketS, migrationS: t.migrationS } })),
    drizzleKitSql: DRIZZLE_KIT_SQL,
  };
  const chart = timelineChart(
    `Application TPS while the change runs (${fmt(cfg.rows)} rows, ${cfg.clients} clients)`,
    runs.map((r, i) => ({ label: `${r.label}: migration ${(r.migration.ms / 1000).toFixed(1)} s, longest stall ${fmt(r.app.stallMs)} ms`, color: ['#c53030', '#2f855a'][i], ...r.timeline })),
  );
  // A smoke run's files go to a temporary folder: bench/results holds the full run.
  const out = cfg.smoke ? await mkdtemp('/tmp/sdk-bench-zd-smoke-') : RESULTS_DIR;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'zero-downtime.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(out, 'zero-downtime.md'), `${md}\n`);
  await writeFile(join(out, 'zero-downtime.svg'), chart);
  console.error(`results written to ${out}${cfg.smoke ? ' (SMOKE: not bench/results)' : ''}`);
}
