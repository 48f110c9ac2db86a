// `pnpm bench cli-start`: how long the sdk binary takes to start and answer without doing any
// work, against Node itself starting and doing nothing (`node -e 0`), in the same run.
// Contenders: `node -e 0`, `sdk --version`, `sdk --help`, `sdk db status --help`; each round runs
// every contender once, in an order that rotates from round to round, so machine noise (other
// processes, CPU steal) lands on all of them alike. Reported: the median wall-clock of each (spawn
// to exit, as a user's shell sees it) and its ratio to `node -e 0` (target: <= 1.3 for
// `sdk --version` and `sdk db status --help`), plus the median of the per-round ratios.
//
// Flags: --rounds N (default 60), --warmup N (untimed rounds first, default 3).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, exec, flags, machine, median, printTable, writeResults } from './lib.mjs';

const TARGET_RATIO = 1.3;
const ROOT = join(BENCH_DIR, '..');
const CLI = join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const NODE = 'node -e 0';

/** What each contender runs, and what its output must show (so a broken start is not timed as a fast one). */
function contenders(version) {
  return {
    [NODE]: { args: ['-e', '0'], check: (r) => r.stdout === '' },
    'sdk --version': { args: [CLI, '--version'], check: (r) => r.stdout.trim() === version },
    'sdk --help': { args: [CLI, '--help'], check: (r) => r.stdout.startsWith('Usage: sdk ') && r.stdout.includes('db ') },
    'sdk db status --help': { args: [CLI, 'db', 'status', '--help'], check: (r) => r.stdout.startsWith('Usage: sdk db status ') && r.stdout.includes('--backup-dir') },
  };
}

/** The targets of the issue: these two must be within TARGET_RATIO of `node -e 0`. */
const TARGETED = ['sdk --version', 'sdk db status --help'];

export async function run(argv) {
  if (!existsSync(CLI)) throw new Error('apps/cli is not built: run `pnpm build` first, then the benchmark again');
  const { rounds, warmup } = flags(argv, { rounds: 60, warmup: 3 });
  const version = JSON.parse(readFileSync(join(ROOT, 'apps', 'cli', 'package.json'), 'utf8')).version;
  const all = contenders(version);
  const names = Object.keys(all);
  // No DATABASE_URL or CI in the environment: none of these commands reads them, and a run must not
  // depend on what the caller's shell happens to hold.
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'NODE_OPTIONS']) delete env[key];
  const once = async (name) => {
    const result = await exec(process.execPath, all[name].args, { cwd: ROOT, env });
    if (result.code !== 0 || !all[name].check(result)) {
      throw new Error(`${name} exited ${result.code} with unexpected output: ${(result.stdout || result.stderr).trim().slice(0, 300)}`);
    }
    return result.ms;
  };

  for (let i = 0; i < warmup; i++) for (const name of names) await once(name);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first, so none always runs right after the same neighbour.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) samples[name].push(await once(name));
  }

  const base = median(samples[NODE]);
  const rows = [['command', 'median ms', 'min ms', 'p90 ms', 'ratio to node -e 0', 'median per-round ratio']];
  const results = {};
  for (const name of names) {
    const sorted = [...samples[name]].sort((a, b) => a - b);
    const ms = median(sorted);
    const ratio = ms / base;
    const paired = median(samples[name].map((v, i) => v / samples[NODE][i]));
    results[name] = { medianMs: ms, minMs: sorted[0], p90Ms: sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)], ratio, pairedRatio: paired };
    rows.push([name, ms.toFixed(1), sorted[0].toFixed(1), results[name].p90Ms.toFixed(1), ratio.toFixed(3), paired.toFixed(3)]);
  }
  printTable(rows);
  const [load1, load5] = (await import('node:os')).loadavg();
  const mach = machine();
  const verdicts = TARGETED.map((n) => `${n} ${results[n].ratio.toFixed(2)} x (${results[n].ratio <= TARGET_RATIO ? 'within' : 'ABOVE'} target)`);
  const summary =
    `target: sdk --version and sdk db status --help <= ${TARGET_RATIO} x node -e 0; ${verdicts.join(', ')}; ` +
    `node -e 0 ${base.toFixed(1)} ms, median of ${rounds} rounds; load average ${load1.toFixed(2)} (1 min), ${load5.toFixed(2)} (5 min); ${mach.cpus} CPUs, Node ${process.version}.`;
  console.log(summary);
  const dir = await writeResults('cli-start', {
    json: {
      benchmark: 'cli-start',
      date: new Date().toISOString(),
      machine: mach,
      loadAverage: { '1m': load1, '5m': load5 },
      commands: Object.fromEntries(names.map((n) => [n, `node ${all[n].args.map((a) => (a === CLI ? 'apps/cli/dist/bin.js' : a)).join(' ')}`])),
      rounds,
      warmup,
      targetRatio: TARGET_RATIO,
      results,
      samples,
    },
    tableRows: rows,
    summary:
      `Wall-clock from spawn to exit of each command (no database, no project files read), ${rounds} rounds after ${warmup} untimed ones; every round runs each command once, the order rotating from round to round. ` +
      `The ratio is the command's median over \`node -e 0\`'s median; the per-round ratio is the median of the ratios within a round.\n\n${summary}`,
  });
  console.error(`results written to ${dir}`);
}
