// `pnpm bench migrate`: applies 200 generated drizzle-kit migrations to an empty database with
// the sdk runner and with drizzle-orm's migrate(), on the same server in the same run, and
// reports both medians and the ratio (target: ours / drizzle <= 1.5).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { flags, machine, median, printTable, requireBuilt, timed, writeResults, barChart } from './lib.mjs';

const BREAKPOINT = '\n--> statement-breakpoint\n';
const TARGET_RATIO = 1.5;

/** 200 migrations like a real project's history: tables, nullable columns, indexes, foreign keys. */
export async function generateMigrations(count) {
  const folder = await mkdtemp(join(tmpdir(), 'bench-migrations-'));
  await mkdir(join(folder, 'meta'));
  const entries = [];
  let table = 0;
  for (let i = 0; i < count; i++) {
    const tag = `${String(i).padStart(4, '0')}_step_${i}`;
    let statements;
    switch (i % 4) {
      case 0:
        table++;
        statements = [
          `CREATE TABLE "bench"."t${table}" (\n\t"id" bigserial PRIMARY KEY NOT NULL,\n\t"name" text NOT NULL,\n\t"ref_id" bigint,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL\n);`,
        ];
        if (i === 0) statements.unshift('CREATE SCHEMA "bench";');
        break;
      case 1:
        statements = [`ALTER TABLE "bench"."t${table}" ADD COLUMN "c${i}" varchar(50);`, `ALTER TABLE "bench"."t${table}" ADD COLUMN "d${i}" integer;`];
        break;
      case 2:
        statements = [`CREATE INDEX "t${table}_c${i - 1}_idx" ON "bench"."t${table}" USING btree ("c${i - 1}");`];
        break;
      default:
        statements =
          table > 1
            ? [`ALTER TABLE "bench"."t${table}" ADD CONSTRAINT "t${table}_ref_fk" FOREIGN KEY ("ref_id") REFERENCES "bench"."t${table - 1}"("id") ON DELETE no action ON UPDATE no action;`]
            : [`ALTER TABLE "bench"."t${table}" ADD COLUMN "e${i}" boolean DEFAULT false;`];
        statements.push(`CREATE INDEX "t${table}_ref_idx" ON "bench"."t${table}" USING btree ("ref_id");`, `ALTER TABLE "bench"."t${table}" ALTER COLUMN "name" SET DEFAULT '';`);
        break;
    }
    await writeFile(join(folder, `${tag}.sql`), statements.join(BREAKPOINT));
    entries.push({ idx: i, version: '7', when: 1_700_000_000_000 + i * 1000, tag, breakpoints: true });
  }
  await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  return folder;
}

async function tableCount(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'bench'");
  const { rows: idx } = await client.query("SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'bench'");
  await client.end();
  return `${rows[0].n} tables, ${idx[0].n} indexes`;
}

export async function run(argv) {
  requireBuilt('packages/migrator', 'packages/testing');
  const { reps, count } = flags(argv, { reps: 5, count: 200 });
  const { migrate } = await import('@big0290/migrator');
  const { startTestServer, createTestDatabase, ADMIN_URL_ENV } = await import('@big0290/testing');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate: drizzleMigrate } = await import('drizzle-orm/node-postgres/migrator');

  const folder = await generateMigrations(count);
  const server = await startTestServer();
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  const contenders = {
    'sdk migrate': async (url) => {
      await migrate({ databaseUrl: url, migrationsFolder: folder });
    },
    'drizzle-orm migrate()': async (url) => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await drizzleMigrate(drizzle(pool), { migrationsFolder: folder });
      } finally {
        await pool.end();
      }
    },
  };
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  let serverVersion = 'unknown';
  try {
    console.error(`bench migrate: ${count} migrations, ${reps} repetitions per contender, server from ${server.source}`);
    for (let rep = 0; rep < reps; rep++) {
      // Alternate who goes first, so warm caches favour neither.
      const order = rep % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const db = await createTestDatabase('bench');
        try {
          const { ms } = await timed(() => contenders[name](db.url));
          samples[name].push(ms);
          const shape = await tableCount(db.url);
          if (rep === 0) console.error(`  ${name}: ${shape}`);
          if (serverVersion === 'unknown') serverVersion = (await db.pool.query('SHOW server_version')).rows[0].server_version;
        } finally {
          await db.drop();
        }
      }
      console.error(`  rep ${rep + 1}/${reps}: ${names.map((n) => `${n} ${samples[n].at(-1).toFixed(0)} ms`).join(', ')}`);
    }
  } finally {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  }
  const ours = median(samples['sdk migrate']);
  const theirs = median(samples['drizzle-orm migrate()']);
  const ratio = ours / theirs;
  const rows = [['contender', 'median ms', 'min ms', 'max ms', 'ms per migration']];
  for (const n of names) {
    rows.push([n, median(samples[n]).toFixed(1), Math.min(...samples[n]).toFixed(1), Math.max(...samples[n]).toFixed(1), (median(samples[n]) / count).toFixed(2)]);
  }
  printTable(rows);
  const verdict = ratio <= TARGET_RATIO ? 'within' : 'ABOVE';
  const summary = `ratio sdk / drizzle-orm = ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}: ${verdict} target); ${count} migrations, ${reps} reps, PostgreSQL ${serverVersion}, Node ${process.version}.`;
  console.log(summary);
  const dir = await writeResults('migrate', {
    json: { benchmark: 'migrate', date: new Date().toISOString(), machine: machine(), serverVersion, serverSource: server.source, migrations: count, reps, samples, medians: { sdk: ours, drizzle: theirs }, ratio, targetRatio: TARGET_RATIO },
    tableRows: rows,
    summary: `sdk's runner vs drizzle-orm's migrate(), applying ${count} migrations to an empty database on the same server in the same run.\n\n${summary}`,
    chart: barChart(`Apply ${count} migrations (median of ${reps}; ratio ${ratio.toFixed(2)})`, [
      { label: 'sdk migrate', value: ours, color: '#2f855a' },
      { label: 'drizzle-orm migrate()', value: theirs, color: '#4a5568' },
    ]),
  });
  console.error(`results written to ${dir}`);
}
