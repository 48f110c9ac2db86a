// Shared helpers for benchmarks: timing, statistics, and writing results (JSON, markdown, SVG).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** Fails with the next step when the packages have not been built. */
export function requireBuilt(...packages) {
  for (const pkg of packages) {
    if (!existsSync(join(BENCH_DIR, '..', pkg, 'dist', 'index.js'))) {
      throw new Error(`${pkg} is not built: run \`pnpm build\` first, then the benchmark again`);
    }
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function timed(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** `--name value` flags from argv with numeric defaults. */
export function flags(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key in defaults && argv[i + 1] !== undefined) out[key] = Number(argv[++i]);
  }
  return out;
}

export function machine() {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

function markdownTable(rows) {
  const [head, ...body] = rows;
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A horizontal bar chart of medians, as a standalone SVG (no chart library needed). */
export function barChart(title, bars, unit = 'ms') {
  const width = 640;
  const left = 200;
  const barHeight = 28;
  const top = 40;
  const max = Math.max(...bars.map((b) => b.value)) || 1;
  const height = top + bars.length * (barHeight + 12) + 20;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = bars
    .map((b, i) => {
      const y = top + i * (barHeight + 12);
      const w = Math.max(1, ((width - left - 90) * b.value) / max);
      return `<text x="${left - 10}" y="${y + 19}" text-anchor="end" font-size="14">${esc(b.label)}</text>
<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${b.color ?? '#4a7fb5'}"/>
<text x="${left + w + 6}" y="${y + 19}" font-size="13">${b.value.toFixed(1)} ${unit}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>
${rows}
</svg>
`;
}

/** Writes `<name>.json`, `<name>.md` and `<name>.svg` under bench/results. */
export async function writeResults(name, { json, tableRows, summary, chart }) {
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, `${name}.md`), `# ${name} benchmark\n\n${summary}\n\n${markdownTable(tableRows)}\n`);
  if (chart) await writeFile(join(RESULTS_DIR, `${name}.svg`), chart);
  return RESULTS_DIR;
}

export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '));
}

/** Runs a command to completion; wall-clock from spawn to exit, stdout kept. */
export function exec(command, args, options) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({ ms, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/**
 * Starts a throwaway PostgreSQL server from the system's binaries (initdb and pg_ctl, run as the
 * `postgres` OS user when we are root) under /tmp, listening on a Unix socket only, with trust
 * authentication there (no password anywhere) and PostgreSQL's default durability settings
 * (fsync, synchronous_commit and full_page_writes on). `settings` are extra `-c` options.
 */
export async function startLocalServer({ binDir = '/usr/lib/postgresql/15/bin', settings = {} } = {}) {
  const { mkdtemp: mkdtempFs, rm: rmFs, chmod } = await import('node:fs/promises');
  const { execFileSync } = await import('node:child_process');
  const { userInfo } = await import('node:os');
  const root = await mkdtempFs('/tmp/sdk-bench-pg-');
  await chmod(root, 0o777);
  const dataDir = join(root, 'data');
  const asPostgres = userInfo().uid === 0;
  const run = (tool, args) =>
    execFileSync(asPostgres ? 'runuser' : join(binDir, tool), asPostgres ? ['-u', 'postgres', '--', join(binDir, tool), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8']);
  // A free port number is still needed for the socket's name; any unused one will do.
  const port = 56000 + Math.floor(Math.random() * 4000);
  const opts = [`-c listen_addresses=''`, `-c unix_socket_directories='${root}'`, `-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', join(root, 'server.log'), '-w', 'start']);
  return {
    host: root,
    port,
    user: 'postgres',
    binDir,
    settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', ...settings },
    stop: async () => {
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        await rmFs(root, { recursive: true, force: true });
      }
    },
  };
}

/** Percentile (0-100) of an ascending array, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
