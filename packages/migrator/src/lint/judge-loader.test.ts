import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleIsCurrent } from './judge-loader.js';
import type { SequenceFile } from './sequence.js';
import type { FileReport } from './types.js';

type Judge = typeof import('./judge.js');

const dir = mkdtempSync(join(tmpdir(), 'judge-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A bundle beside two modules, and the manifest the build would write for them. */
function fakeBuild(name: string): { manifest: URL; module: string } {
  const lint = join(dir, name, 'lint');
  mkdirSync(join(dir, name, 'sql'), { recursive: true });
  mkdirSync(lint);
  writeFileSync(join(lint, 'judge.bundle.js'), 'export {};');
  writeFileSync(join(lint, 'engine.js'), 'export const a = 1;');
  writeFileSync(join(dir, name, 'sql', 'parse.js'), 'export const b = 2;');
  const inputs = ['engine.js', '../sql/parse.js'].map((path) => {
    const stats = statSync(join(lint, path));
    return { path, size: stats.size, mtimeMs: stats.mtimeMs };
  });
  writeFileSync(join(lint, 'judge.bundle.json'), JSON.stringify({ format: 1, inputs }));
  return { manifest: pathToFileURL(join(lint, 'judge.bundle.json')), module: join(dir, name, 'sql', 'parse.js') };
}

describe('the judge bundle', () => {
  it('is used while every module it was built from is unchanged', () => {
    expect(bundleIsCurrent(fakeBuild('current').manifest)).toBe(true);
  });

  it('is not used once a module changed (a tsc run without the bundling step), or without a whole manifest and bundle', () => {
    const changed = fakeBuild('changed');
    writeFileSync(changed.module, 'export const b = 3;');
    expect(bundleIsCurrent(changed.manifest)).toBe(false);
    const noBundle = fakeBuild('no-bundle');
    rmSync(new URL('./judge.bundle.js', noBundle.manifest));
    expect(bundleIsCurrent(noBundle.manifest)).toBe(false);
    const damaged = fakeBuild('damaged');
    writeFileSync(damaged.manifest, '{"format":1,"inputs":');
    expect(bundleIsCurrent(damaged.manifest)).toBe(false);
    const other = fakeBuild('other-format');
    writeFileSync(other.manifest, JSON.stringify({ format: 2, inputs: [] }));
    expect(bundleIsCurrent(other.manifest)).toBe(false);
    expect(bundleIsCurrent(pathToFileURL(join(dir, 'missing', 'judge.bundle.json')))).toBe(false);
  });

  // The build (which `pnpm test` runs first) bundles dist/lint/judge.js: the bundle must judge
  // exactly as the modules it was built from, module state (error classes, caches) included.
  const DIST_LINT = new URL('../../dist/lint/', import.meta.url);
  it('the build made judges every case of the corpus exactly as its modules do', async () => {
    expect(bundleIsCurrent(new URL('judge.bundle.json', DIST_LINT))).toBe(true);
    const bundled = (await import(new URL('judge.bundle.js', DIST_LINT).href)) as Judge;
    const modules = (await import(new URL('judge.js', DIST_LINT).href)) as Judge;
    await Promise.all([bundled.loadParser(), modules.loadParser()]);
    const corpus = fileURLToPath(new URL('./__corpus__/', import.meta.url));
    let files = 0;
    for (const group of ['unsafe', 'safe', 'history']) {
      for (const name of readdirSync(join(corpus, group))) {
        const path = join(corpus, group, name);
        const paths = statSync(path).isDirectory() ? readdirSync(path).sort().map((f) => join(path, f)) : [path];
        const sequence: SequenceFile[] = paths.map((p) => ({ absolute: p, display: p, lint: true, read: readFileSync(p, 'utf8') }));
        const judge = (j: Judge) => {
          const reports = new Map<string, FileReport>();
          j.lintSequence(sequence, { pgVersion: 17, rules: j.RULES }, reports);
          return JSON.stringify([...reports]);
        };
        expect(judge(bundled), path).toBe(judge(modules));
        files += paths.length;
      }
    }
    expect(files).toBeGreaterThan(300);
  });
});
