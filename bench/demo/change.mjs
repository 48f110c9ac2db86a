// The change `pnpm demo` makes to auth.users, two ways, in folders of a temporary directory:
//  - the sdk: `sdk db new add-required-column` writes the operation (expand migration, backfill
//    data migration, contract migrations) next to the app's drizzle-kit migration, and the demo
//    runs it with `sdk db deploy --phase expand`, `sdk db migrate` (the backfill), then
//    `sdk db deploy --phase contract`;
//  - naive: the statements of `pnpm bench zero-downtime`'s drizzle-kit file for the required
//    column (ADD COLUMN, UPDATE every row, SET NOT NULL) as one drizzle-kit migration, applied
//    by drizzle-orm's migrate(), which runs it in one transaction.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { BENCH_DIR } from '../lib.mjs';
import { BACKFILL, DRIZZLE_KIT_SQL } from '../zero-downtime/change.mjs';
import { jsonOf, sdk } from './cli.mjs';

export { BACKFILL };

/** The app's migrations before the change: what drizzle-kit generated from bench/demo/schema.ts. */
const INITIAL = join(BENCH_DIR, 'demo', 'drizzle');

/** The column, as the sdk is asked for it. */
export const NEW_COLUMN = { table: 'auth.users', column: 'phone_number', type: 'varchar(20)', backfill: BACKFILL };

/** The naive file: the required column's statements of the benchmark's drizzle-kit migration, on the same table. */
export const NAIVE_SQL = DRIZZLE_KIT_SQL.filter((s) => /"phone_number"/.test(s));

/** The temporary folders: each run's migrations, the data migrations, the backups. */
export async function prepareFolders(tmp) {
  const dirs = {
    sdkMigrations: join(tmp, 'sdk', 'migrations'),
    dataMigrations: join(tmp, 'sdk', 'data-migrations'),
    // The expand deploy gets an empty data migrations folder, so the backfill is held back and
    // runs as its own step (the guide's step 3, after the app's deploy) instead of right after
    // the expand migration, as `sdk db deploy --phase expand` with the real folder would run it.
    heldBack: join(tmp, 'sdk', 'no-data-migrations'),
    naiveMigrations: join(tmp, 'naive', 'migrations'),
    backups: join(tmp, 'backups'),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  await cp(INITIAL, dirs.sdkMigrations, { recursive: true });
  await cp(INITIAL, dirs.naiveMigrations, { recursive: true });
  const journalFile = join(dirs.naiveMigrations, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8'));
  const tag = '0001_phone_number_required';
  await writeFile(join(dirs.naiveMigrations, `${tag}.sql`), NAIVE_SQL.join('\n--> statement-breakpoint\n'));
  journal.entries.push({ idx: 1, version: '7', when: journal.entries.at(-1).when + 1000, tag, breakpoints: true });
  await writeFile(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
  return dirs;
}

/** The app's own migration (drizzle-kit's 0000_init) applied by drizzle-orm's migrate(), as the project did before the sdk. */
export async function applyInitial(config, folder) {
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const client = new pg.Client({ ...config, application_name: 'sdk demo setup' });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder: folder });
  } finally {
    await client.end();
  }
}

/** `sdk db new add-required-column ...`: writes the operation's files, checked against the database; returns its --json answer. */
export async function writeOperation({ url, dirs, env }) {
  const run = await sdk(
    ['db', 'new', 'add-required-column', NEW_COLUMN.table, NEW_COLUMN.column, '--type', NEW_COLUMN.type, '--backfill', NEW_COLUMN.backfill,
      '--migrations', dirs.sdkMigrations, '--data-migrations', dirs.dataMigrations, '--database-url', url, '--json'],
    { env },
  );
  const answer = jsonOf(run);
  if (run.code !== 0) throw new Error(`\`sdk db new\` failed (exit ${run.code}): ${answer.error?.message ?? run.stdout}`);
  return answer;
}

/** `sdk db deploy --phase <phase> --yes --json --verbose`: the report, the command's window and its steps' windows. */
export function deploy(phase, { url, dirs, dataMigrations, pgBinDir, env, onLine }) {
  return sdk(
    ['db', 'deploy', '--phase', phase, '--yes', '--json', '--verbose', '--migrations', dirs.sdkMigrations, '--data-migrations', dataMigrations,
      '--backup-dir', dirs.backups, '--database-url', url, ...(pgBinDir ? ['--pg-bin-dir', pgBinDir] : [])],
    { env, onLine },
  );
}

/**
 * The guide's step 3: `sdk db migrate --phase expand` with the data migrations folder. The
 * expand migration is applied already, so it runs the tracked data migration (the sdk's batched
 * backfill) and stops before the contract.
 */
export function backfill({ url, dirs, env, onLine }) {
  return sdk(
    ['db', 'migrate', '--phase', 'expand', '--json', '--verbose', '--migrations', dirs.sdkMigrations, '--data-migrations', dirs.dataMigrations, '--database-url', url],
    { env, onLine },
  );
}

/** The naive migration: drizzle-orm's migrate() on the naive folder (its one pending file, in one transaction). */
export async function naiveMigrate(config, dirs) {
  const startedAt = Date.now();
  let error;
  try {
    await applyInitial(config, dirs.naiveMigrations);
  } catch (caught) {
    error = caught;
  }
  return { startedAt, endedAt: Date.now(), error };
}

/** What both runs must leave: phone_number NOT NULL, every seeded row with the backfilled value, no CHECK left over. */
export async function finalShape(config, rows) {
  const client = new pg.Client({ ...config, application_name: 'sdk demo check' });
  await client.connect();
  try {
    const q = async (sql, params) => (await client.query(sql, params)).rows;
    const [column] = await q(`SELECT format_type(atttypid, atttypmod) AS type, attnotnull AS "notNull" FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attname = 'phone_number' AND NOT attisdropped`);
    // A run that stopped before the expand left no column to count.
    if (!column) return { column: null, nulls: 0, wrongSeeded: 0, total: null, checkConstraints: [] };
    const [counts] = await q(
      `SELECT count(*) FILTER (WHERE phone_number IS NULL)::int AS nulls,
              count(*) FILTER (WHERE id <= $1 AND phone_number IS DISTINCT FROM ${BACKFILL})::int AS "wrongSeeded",
              count(*)::int AS total
         FROM auth.users`,
      [rows],
    );
    const checks = await q(`SELECT conname AS name, convalidated AS validated FROM pg_constraint WHERE conrelid = 'auth.users'::regclass AND contype = 'c'`);
    return { column: column ?? null, ...counts, checkConstraints: checks };
  } finally {
    await client.end();
  }
}

/** The sdk's own record of the backfill (sdk_migrator.backfills): rows changed, batches, time. */
export async function backfillRecords(config) {
  const client = new pg.Client({ ...config, application_name: 'sdk demo check' });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT name, rows_changed::int AS "rowsChanged", batches::int, duration_ms::int AS "durationMs" FROM sdk_migrator.backfills ORDER BY started_at`,
    );
    return rows;
  } finally {
    await client.end();
  }
}
