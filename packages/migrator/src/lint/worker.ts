import { parentPort, workerData } from 'node:worker_threads';
import { loadParser } from '../sql/parse.js';
import { RULES } from './registry.js';
import { lintSequence, type SequenceJob } from './sequence.js';

/** A lint worker thread: lints the sequences it is given with the registry's rules (see parallel.ts). */
await loadParser();
const { jobs } = workerData as { jobs: SequenceJob[] };
parentPort!.postMessage(jobs.map((job) => lintSequence(job, RULES)));
