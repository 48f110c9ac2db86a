import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Judge = typeof import('./judge.js');

/** The format of judge.bundle.json that this loader reads. */
const MANIFEST_FORMAT = 1;

/**
 * The judge (judge.ts: the sequence driver, the parser and the rules): from judge.bundle.js when
 * the build made one (scripts/bundle-judge.mjs) and each module it was built from is still the
 * file it was then (same size and modification time: a `tsc` run without the rest of the build
 * changes them), else from the modules themselves. Either way the same code runs.
 */
export async function loadJudge(): Promise<Judge> {
  return bundleIsCurrent() ? ((await import(new URL('./judge.bundle.js', import.meta.url).href)) as Judge) : import('./judge.js');
}

/** Whether judge.bundle.json lists the modules of the bundle beside it, each unchanged since. */
export function bundleIsCurrent(manifest: URL = new URL('./judge.bundle.json', import.meta.url)): boolean {
  try {
    const { format, inputs } = JSON.parse(readFileSync(manifest, 'utf8')) as { format?: number; inputs?: { path?: unknown; size?: unknown; mtimeMs?: unknown }[] };
    if (format !== MANIFEST_FORMAT || !Array.isArray(inputs) || inputs.length === 0) return false;
    statSync(new URL('./judge.bundle.js', manifest));
    return inputs.every((input) => {
      if (typeof input.path !== 'string') return false;
      const stats = statSync(fileURLToPath(new URL(input.path, manifest)), { throwIfNoEntry: false });
      return stats !== undefined && stats.size === input.size && stats.mtimeMs === input.mtimeMs;
    });
  } catch {
    return false;
  }
}
