// `pnpm bench migrate-memory [--mb 50] [--shape many|one-huge|few-huge]` (or `node bench/migrate-memory.mjs`):
// peak memory of one big migration (issue 9: "a 50 MB migration takes 1.2-1.5 GB; keep it under 5x").
// For each shape it generates a migrations folder whose data migration is --mb MiB, then measures
// the peak RSS of
//   - `sdk db migrate` (apps/cli/dist/bin.js, run under /usr/bin/time -v) on a fresh database;
//   - the statement analysis alone (readMigrations + analyzeMigration, process.resourceUsage().maxRSS).
// --root: measure another checkout's builds. The server: BENCH_ADMIN_URL or TEST_DATABASE_URL (a superuser URL), else the testing package's.
import { mkdtemp, mkdir, rm, stat, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { BENCH_DIR, exec, machine, printTable, requireBuilt, writeResults } from './lib.mjs';

const BREAKPOINT = '\n--> statement-breakpoint\n';
const TARGET_FACTOR = 5;
const SHAPES = ['many', 'many-short', 'one-huge', 'few-huge'];
const cliOf = (root) => join(root, 'apps', 'cli', 'dist', 'bin.js');
const migratorOf = (root) => join(root, 'packages', 'migrator', 'dist', 'index.js');

/** One row of realistic data: numbers, a text with an accent and an apostrophe now and then. */
function row(i) {
  const note = i % 7 === 0 ? `l''été n°${i}` : `customer ${i} note ${(i * 2654435761) % 1000003}`;
  return `(${i}, '${note}', ${(i % 1000) / 10}, '2024-01-${String((i % 28) + 1).padStart(2, '0')}')`;
}

/** The row with an e-mail too: a statement of about 170 bytes, ~300,000 of them in 50 MB. */
const wideRow = (i) => `${row(i).slice(0, -1)}, 'customer.${i}@example.com')`;

const CREATE = 'CREATE TABLE "mem_t" (\n\t"a" integer NOT NULL,\n\t"b" text,\n\t"c" numeric,\n\t"d" date,\n\t"e" text\n);';
const INSERT_HEAD = 'INSERT INTO "mem_t" ("a", "b", "c", "d") VALUES ';
const WIDE_INSERT_HEAD = 'INSERT INTO "mem_t" ("a", "b", "c", "d", "e") VALUES ';

/**
 * Writes the data migration in pieces (the generator must not be what takes the memory):
 * - many: one INSERT per row, drizzle-style `--> statement-breakpoint` between them (~300,000 for 50 MB);
 * - many-short: the same with a column less (~400,000 for 50 MB: more statements per MB);
 * - one-huge: a single INSERT whose VALUES list is the whole file;
 * - few-huge: ten INSERTs of a tenth of the file each.
 */
async function writeDataMigration(path, shape, bytes) {
  const file = await open(path, 'w');
  let written = 0;
  let pending = [];
  let pendingBytes = 0;
  const put = async (text) => {
    pending.push(text);
    pendingBytes += text.length;
    written += Buffer.byteLength(text);
    if (pendingBytes > 1 << 20) {
      await file.write(pending.join(''));
      pending = [];
      pendingBytes = 0;
    }
  };
  await put(`${CREATE}${BREAKPOINT}`);
  let i = 0;
  let statements = 0;
  if (shape === 'many' || shape === 'many-short') {
    while (written < bytes) {
      await put(shape === 'many' ? `${WIDE_INSERT_HEAD}${wideRow(i++)};${BREAKPOINT}` : `${INSERT_HEAD}${row(i++)};${BREAKPOINT}`);
      statements++;
    }
  } else {
    const count = shape === 'one-huge' ? 1 : 10;
    for (let s = 0; s < count; s++) {
      const until = written + (bytes - written) / (count - s);
      await put(INSERT_HEAD);
      let first = true;
      while (written < until) {
        await put(`${first ? '' : ',\n'}${row(i++)}`);
        first = false;
      }
      await put(s === count - 1 ? ';\n' : `;${BREAKPOINT}`);
      statements++;
    }
  }
  await file.write(pending.join(''));
  await file.close();
  return { rows: i, statements: statements + 1 };
}

async function generate(shape, megabytes) {
  const folder = await mkdtemp(join(tmpdir(), `bench-memory-${shape}-`));
  await mkdir(join(folder, 'meta'));
  const tag = `0000_${shape.replaceAll('-', '_')}_data`;
  const shapeInfo = await writeDataMigration(join(folder, `${tag}.sql`), shape, megabytes * 1024 * 1024);
  const entries = [{ idx: 0, version: '7', when: 1_700_000_000_000, tag, breakpoints: true }];
  await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  const { size } = await stat(join(folder, `${tag}.sql`));
  return { folder, size, ...shapeInfo };
}

/** Peak RSS (bytes) of the statement analysis alone, in a fresh process. */
async function analysisPeak(folder, root) {
  const script = `
    const { readMigrations, analyzeMigration } = await import(${JSON.stringify(pathToFileURL(migratorOf(root)).href)});
    const started = performance.now();
    let statements = 0;
    for (const file of await readMigrations(${JSON.stringify(folder)})) statements += (await analyzeMigration(file)).statements.length;
    console.log(JSON.stringify({ statements, ms: performance.now() - started, maxRss: process.resourceUsage().maxRSS * 1024 }));`;
  const result = await exec(process.execPath, ['--input-type=module', '-e', script]);
  if (result.code !== 0) throw new Error(`analysis failed: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

/** Peak RSS (bytes) of `sdk db migrate` applying the folder to a fresh database, as /usr/bin/time sees it. */
async function migratePeak(folder, url, root) {
  const result = await exec('/usr/bin/time', ['-v', process.execPath, cliOf(root), 'db', 'migrate', '--migrations', folder], {
    env: { ...process.env, DATABASE_URL: url, NO_COLOR: '1' },
  });
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
  if (result.code !== 0 || !kb) throw new Error(`sdk db migrate failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(0, 8).join('\n')}`);
  return { ms: result.ms, maxRss: Number(kb[1]) * 1024 };
}

async function withDatabase(adminUrl, name, fn) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      return await fn(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

function options(argv) {
  const out = { mb: 50, shapes: SHAPES, root: join(BENCH_DIR, '..') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--mb') out.mb = Number(argv[++i]);
    else if (argv[i] === '--shape') out.shapes = argv[++i].split(',');
    // Another checkout's builds (e.g. a copy at the previous commit, to compare).
    else if (argv[i] === '--root') out.root = argv[++i];
    else if (argv[i] === '--analysis-only') out.analysisOnly = true;
  }
  for (const s of out.shapes) if (!SHAPES.includes(s)) throw new Error(`unknown shape ${s}: pick from ${SHAPES.join(', ')}`);
  return out;
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);

export async function run(argv) {
  requireBuilt('packages/migrator', 'packages/testing');
  const { mb: megabytes, shapes, root, analysisOnly } = options(argv);
  let adminUrl = process.env.BENCH_ADMIN_URL ?? process.env.TEST_DATABASE_URL;
  let server;
  if (!adminUrl) {
    const { startTestServer } = await import('@big0290/testing');
    server = await startTestServer();
    adminUrl = server.adminUrl;
  }
  const rows = [['shape', 'file MiB', 'statements', 'analysis peak MiB', 'x file', 'migrate peak MiB', 'x file', 'migrate s', 'verdict']];
  try {
    for (const shape of shapes) {
      const generated = await generate(shape, megabytes);
      try {
        console.error(`${shape}: ${mb(generated.size)} MiB, ${generated.statements} statements, ${generated.rows} rows`);
        const analysis = await analysisPeak(generated.folder, root);
        console.error(`  analysis alone: peak ${mb(analysis.maxRss)} MiB in ${(analysis.ms / 1000).toFixed(1)} s`);
        if (analysisOnly) {
          rows.push([shape, mb(generated.size), String(generated.statements), mb(analysis.maxRss), (analysis.maxRss / generated.size).toFixed(1), '-', '-', '-', '-']);
          continue;
        }
        const migrated = await withDatabase(adminUrl, `bench_memory_${shape.replaceAll('-', '_')}`, (url) => migratePeak(generated.folder, url, root));
        console.error(`  sdk db migrate: peak ${mb(migrated.maxRss)} MiB in ${(migrated.ms / 1000).toFixed(1)} s`);
        const factor = migrated.maxRss / generated.size;
        rows.push([
          shape,
          mb(generated.size),
          String(generated.statements),
          mb(analysis.maxRss),
          (analysis.maxRss / generated.size).toFixed(1),
          mb(migrated.maxRss),
          factor.toFixed(1),
          (migrated.ms / 1000).toFixed(1),
          factor <= TARGET_FACTOR ? 'within' : 'ABOVE',
        ]);
      } finally {
        await rm(generated.folder, { recursive: true, force: true });
      }
    }
  } finally {
    await server?.stop();
  }
  printTable(rows);
  const summary = `Peak RSS of \`sdk db migrate\` on one ${megabytes} MiB migration, per shape (target: at most ${TARGET_FACTOR}x the file); Node ${process.version}.`;
  console.log(summary);
  if (!analysisOnly) {
    const [head, ...body] = rows;
    const results = body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
    const dir = await writeResults('migrate-memory', { json: { machine: machine(), megabytes, results }, tableRows: rows, summary });
    console.error(`results in ${dir}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(process.argv.slice(2)).catch((error) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
