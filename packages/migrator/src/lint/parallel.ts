import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RULES } from './registry.js';
import { lintSequence, type SequenceJob, type SequenceResult } from './sequence.js';
import type { LintRule } from './types.js';

/** Below this many files to lint, starting a worker (it loads the parser again) costs more than it saves. */
export const PARALLEL_MIN_FILES = 200;
/** Most worker threads one lint starts. */
const MAX_WORKERS = 3;

/**
 * Runs the sequences, spreading large inputs over worker threads: whole folders where there are
 * several, and a long folder cut in two, the second part first reading the first part's files
 * for history (parse and learn, no rules) so every file is judged exactly as in one pass.
 * The results are in no particular order (lintPaths maps reports by file); each file's report is
 * identical to a single-threaded run's.
 */
export async function runJobs(jobs: SequenceJob[], rules: readonly LintRule[], workers?: number): Promise<SequenceResult[]> {
  const linted = jobs.reduce((n, job) => n + job.files.filter((f) => f.lint).length, 0);
  const available = workers ?? Math.min(MAX_WORKERS, availableParallelism() - 1);
  const script = new URL('./worker.js', import.meta.url);
  // Custom rules cannot cross into a worker; under vitest (TypeScript sources) there is no worker.js.
  if (available < 1 || linted < PARALLEL_MIN_FILES || rules !== RULES || !existsSync(fileURLToPath(script))) {
    return jobs.map((job) => lintSequence(job, rules));
  }
  const groups = partition(jobs, available + 1);
  const pending = groups.slice(1).map((group) => runWorker(script, group));
  // The main thread takes the first group while the workers start.
  const mine = groups[0]!.map((job) => lintSequence(job, rules));
  const theirs = await Promise.all(pending);
  return [mine, ...theirs].flat();
}

/** Relative cost of a file: linting it, or only reading it for history (parse, no rules). */
const LINT_COST = 2;
const READ_COST = 1;

function cost(job: SequenceJob): number {
  return job.files.reduce((n, f) => n + (f.lint ? LINT_COST : READ_COST), 0);
}

/**
 * Splits the jobs into `n` groups of similar cost, keeping each folder's files together, except
 * that a folder costing more than a group's share is cut into two parts.
 */
function partition(jobs: SequenceJob[], n: number): SequenceJob[][] {
  const share = jobs.reduce((sum, job) => sum + cost(job), 0) / n;
  const pieces: SequenceJob[] = [];
  for (const job of jobs) {
    if (cost(job) <= share * 1.2 || job.files.length < 2) {
      pieces.push(job);
      continue;
    }
    // Cut so that part 1 (lint 0..k) and part 2 (read 0..k, lint k..end) cost about the same.
    let best = 1;
    let bestGap = Infinity;
    for (let k = 1; k < job.files.length; k++) {
      const first = cost({ ...job, files: job.files.slice(0, k) });
      const second = READ_COST * k + cost({ ...job, files: job.files.slice(k) });
      const gap = Math.abs(first - second);
      if (gap < bestGap) [best, bestGap] = [k, gap];
    }
    pieces.push({ ...job, files: job.files.slice(0, best) });
    pieces.push({ ...job, files: [...job.files.slice(0, best).map((f) => ({ ...f, lint: false })), ...job.files.slice(best)] });
  }
  // Greedy: the most expensive piece goes to the cheapest group.
  const groups: { jobs: SequenceJob[]; cost: number }[] = Array.from({ length: n }, () => ({ jobs: [], cost: 0 }));
  for (const piece of [...pieces].sort((a, b) => cost(b) - cost(a))) {
    const target = groups.reduce((min, g) => (g.cost < min.cost ? g : min));
    target.jobs.push(piece);
    target.cost += cost(piece);
  }
  return groups.filter((g) => g.jobs.length > 0).map((g) => g.jobs);
}

function runWorker(script: URL, jobs: SequenceJob[]): Promise<SequenceResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { jobs } });
    worker.once('message', (results: SequenceResult[]) => resolve(results));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`lint worker stopped with exit code ${code}`));
    });
  });
}
