import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testFilesTouchingProcessState } from '@big0290/testing';

/**
 * How imports may point inside @big0290/migrator (DESIGN.md, "Layers"):
 *
 *   index.ts, status.ts        the public face and what composes several features
 *   inspect/ (planner)         composes lint/ and runner/, through their index.ts only
 *   data-migrations/           composes runner/ (its `between` seam) and backfill/, through their index.ts
 *   phased/                    operations' plans written as files, rolled back, reported: composes runner/ and lint/
 *   verify/                    the live schema against the last applied migration's snapshot: composes runner/ and phased/
 *   deploy/                    `deploy`, the checklist: composes the planner, backup/, data-migrations/, verify/ and status.ts
 *   runner/ lint/ backup/ backfill/   features: the floor and their own folder, never each other
 *   operations/ -> db/  ->  sql/  ->  util/, errors.ts   the floor, each importing only what is below it
 *
 * operations/ is floor, not a feature: the linter's help for a dangerous statement is the plan
 * of the operation that does it safely, and the composers write and run the same plans.
 *
 * A feature that needs another's work goes through a named seam (its index.ts) from a composer,
 * never sideways. Type-only imports count: a circle of types is still a circle.
 */
const SRC = dirname(fileURLToPath(import.meta.url));

const FLOOR_RANK: Record<string, number> = { 'errors.ts': 0, util: 0, sql: 1, db: 2, operations: 3 };
const FEATURES = new Set(['runner', 'lint', 'backup', 'backfill']);
const COMPOSERS = new Set(['inspect', 'data-migrations', 'phased', 'verify', 'deploy', 'index.ts', 'status.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name.startsWith('__') ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative imports of a file (static, dynamic and type-only), as paths from src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
    out.push(relative(SRC, normalize(join(dirname(file), match[1]!))).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** `runner`, `sql`, `errors.ts`, ... : the top folder of a path under src/, or the file itself. */
const unit = (path: string) => path.split('/')[0]!;

function allowed(from: string, to: string): string | undefined {
  const a = unit(from);
  const b = unit(to);
  if (a === b) return undefined;
  if (a in FLOOR_RANK) {
    if (!(b in FLOOR_RANK)) return `the floor (${a}/) imports ${b}/, which stands on it`;
    return FLOOR_RANK[b]! <= FLOOR_RANK[a]! ? undefined : `${a}/ imports ${b}/, which is above it in the floor`;
  }
  if (b in FLOOR_RANK) return undefined;
  if (FEATURES.has(a)) return `the feature ${a}/ imports the ${FEATURES.has(b) ? 'feature' : 'composer'} ${b}/ sideways`;
  if (COMPOSERS.has(a)) return FEATURES.has(b) && to !== `${b}/index.ts` ? `${a} reaches into ${to} instead of ${b}/index.ts` : undefined;
  return `${a} is in no layer: add it to layers.test.ts and DESIGN.md`;
}

describe('the layers of @big0290/migrator', () => {
  const files = sourceFiles(SRC).map((f) => relative(SRC, f));
  const graph = new Map(files.map((f) => [f, importsOf(join(SRC, f))]));

  it('point one way: features stand on the floor and never import each other; composers use their index.ts', () => {
    const wrong: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const why = allowed(from, to);
        if (why) wrong.push(`${from} -> ${to}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('have no import circles, type-only ones included', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (!graph.has(next)) continue;
        if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });

  it('knows every folder of src/', () => {
    const units = new Set(files.map(unit));
    const known = new Set([...Object.keys(FLOOR_RANK), ...FEATURES, ...COMPOSERS]);
    expect([...units].filter((u) => !known.has(u))).toEqual([]);
  });
});

describe('test files', () => {
  it('leave nothing behind for the next file in their worker (vitest.config.ts runs them without isolation)', () => {
    expect(testFilesTouchingProcessState(SRC)).toEqual([]);
  });
});
