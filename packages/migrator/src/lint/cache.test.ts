import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LintCache } from './cache.js';
import { lintPaths, type LintResult } from './files.js';
import { renderGithub, renderJson } from './report/machine.js';
import { renderPretty } from './report/pretty.js';

const root = mkdtempSync(join(tmpdir(), 'sdk-lint-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding the given migrations, and a cache file beside it (not yet written). */
function project(files: Record<string, string>): { dir: string; cacheFile: string } {
  const base = join(root, `case-${++n}`);
  const dir = join(base, 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { dir, cacheFile: join(base, 'cache', 'lint.json') };
}

/** What a user sees of a run: the JSON report and the terminal report, byte for byte. */
const shown = (result: LintResult) => ({
  json: renderJson(result.report),
  pretty: renderPretty(result.report, { sources: result.sources }),
  github: renderGithub(result.report),
  errors: result.report.errors,
  warnings: result.report.warnings,
});

const verdicts = (result: LintResult) => result.report.files.map((f) => [f.path.replace(/^.*\//, ''), f.violations.map((v) => v.rule)]);

// 0001 widens a column 0000 created as varchar(50): instant, because the linter knows the type.
const HISTORY = {
  '0000_users.sql': 'CREATE TABLE "t" ("id" serial PRIMARY KEY, "name" varchar(50));',
  '0001_widen.sql': 'ALTER TABLE "t" ALTER COLUMN "name" TYPE varchar(100);',
  '0002_index.sql': 'CREATE INDEX "t_name_idx" ON "t" ("name");',
};

describe('the lint cache', () => {
  it('answers a re-run with nothing changed without judging a file, with the same reports', async () => {
    const { dir, cacheFile } = project(HISTORY);
    const first = await lintPaths({ paths: [dir], cacheFile });
    expect(first.cache).toMatchObject({ hits: 0, misses: 3, problem: undefined });
    expect(existsSync(cacheFile)).toBe(true);
    const again = await lintPaths({ paths: [dir], cacheFile });
    expect(again.cache).toMatchObject({ hits: 3, misses: 0 });
    expect(shown(again)).toEqual(shown(first));
    expect(shown(again)).toEqual(shown(await lintPaths({ paths: [dir] })));
  });

  it('judges a file again, and every file after it, when one byte of an earlier migration changes', async () => {
    const { dir, cacheFile } = project(HISTORY);
    const before = await lintPaths({ paths: [dir], cacheFile });
    expect(verdicts(before)).toEqual([
      ['0000_users.sql', []],
      ['0001_widen.sql', []],
      ['0002_index.sql', ['creating-index-non-concurrently']],
    ]);
    // "t" -> "u": 0001 now alters a table no migration created, whose column type is unknown.
    writeFileSync(join(dir, '0000_users.sql'), HISTORY['0000_users.sql'].replace('"t"', '"u"'));
    const after = await lintPaths({ paths: [dir], cacheFile });
    expect(after.cache).toMatchObject({ hits: 0, misses: 3 });
    expect(verdicts(after)[1]).toEqual(['0001_widen.sql', ['changing-column-type']]);
    expect(shown(after)).toEqual(shown(await lintPaths({ paths: [dir] })));
  });

  it('judges a file linted alone again when an earlier migration it was judged with changes', async () => {
    const { dir, cacheFile } = project(HISTORY);
    const widen = join(dir, '0001_widen.sql');
    expect(verdicts(await lintPaths({ paths: [widen], cacheFile }))).toEqual([['0001_widen.sql', []]]);
    writeFileSync(join(dir, '0000_users.sql'), HISTORY['0000_users.sql'].replace('"t"', '"u"'));
    const after = await lintPaths({ paths: [widen], cacheFile });
    expect(after.cache).toMatchObject({ hits: 0, misses: 1 });
    expect(verdicts(after)).toEqual([['0001_widen.sql', ['changing-column-type']]]);
  });

  it('keeps the reports of the files before a changed one', async () => {
    const { dir, cacheFile } = project(HISTORY);
    await lintPaths({ paths: [dir], cacheFile });
    writeFileSync(join(dir, '0002_index.sql'), 'CREATE INDEX CONCURRENTLY "t_name_idx" ON "t" ("name");');
    const after = await lintPaths({ paths: [dir], cacheFile });
    expect(after.cache).toMatchObject({ hits: 2, misses: 1 });
    expect(verdicts(after)[2]).toEqual(['0002_index.sql', []]);
    expect(shown(after)).toEqual(shown(await lintPaths({ paths: [dir] })));
  });

  it('judges again for another PostgreSQL version', async () => {
    const { dir, cacheFile } = project({ '0000_add.sql': 'CREATE TABLE "t" ("id" int);\n--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "n" int DEFAULT 0 NOT NULL;' });
    await lintPaths({ paths: [dir], cacheFile, pgVersion: 18 });
    const old = await lintPaths({ paths: [dir], cacheFile, pgVersion: 10 });
    expect(old.cache).toMatchObject({ hits: 0, misses: 1 });
    expect(shown(old)).toEqual(shown(await lintPaths({ paths: [dir], pgVersion: 10 })));
  });

  it('ignores a corrupt cache file, says so, and writes a good one in its place', async () => {
    const { dir, cacheFile } = project(HISTORY);
    const clean = await lintPaths({ paths: [dir] });
    for (const garbage of ['{"format":1,"scope":"x","entr', 'not json at all', '{"format":1,"scope":null,"entries":null}', 'null']) {
      mkdirSync(dirname(cacheFile), { recursive: true });
      writeFileSync(cacheFile, garbage);
      const result = await lintPaths({ paths: [dir], cacheFile });
      expect(result.cache?.problem).toMatch(/corrupt/);
      expect(result.cache).toMatchObject({ hits: 0, misses: 3 });
      expect(shown(result)).toEqual(shown(clean));
      expect((await lintPaths({ paths: [dir], cacheFile })).cache).toMatchObject({ hits: 3, misses: 0, problem: undefined });
    }
  });

  it('ignores a cache file cut short, and does not trust an entry that points outside it', async () => {
    const { dir, cacheFile } = project(HISTORY);
    const clean = shown(await lintPaths({ paths: [dir] }));
    await lintPaths({ paths: [dir], cacheFile });
    const whole = readFileSync(cacheFile);
    writeFileSync(cacheFile, whole.subarray(0, whole.length - 10));
    const cut = await lintPaths({ paths: [dir], cacheFile });
    expect(cut.cache?.problem).toMatch(/corrupt cache file \(\d+ bytes of texts where the index says \d+\)/);
    expect(shown(cut)).toEqual(clean);

    const content = readFileSync(cacheFile);
    const newline = content.indexOf(10);
    const index = JSON.parse(content.toString('utf8', 0, newline)) as { entries: Record<string, { report: number[]; json: unknown }> };
    const entries = Object.values(index.entries);
    entries[0]!.report = [0, content.length * 2];
    entries[1]!.json = 'not a span';
    writeFileSync(cacheFile, Buffer.concat([Buffer.from(JSON.stringify(index)), content.subarray(newline)]));
    const result = await lintPaths({ paths: [dir], cacheFile });
    expect(result.cache).toMatchObject({ hits: 0, misses: 3 });
    expect(shown(result)).toEqual(clean);
  });

  it('leaves no temporary file behind, and reports a cache it cannot write without failing the run', async () => {
    const { dir, cacheFile } = project(HISTORY);
    await lintPaths({ paths: [dir], cacheFile });
    expect(readdirSync(dirname(cacheFile))).toEqual(['lint.json']);
    // A cache "file" that is a folder cannot be replaced by rename.
    const { dir: other, cacheFile: blocked } = project(HISTORY);
    mkdirSync(join(blocked, 'in-the-way'), { recursive: true });
    const result = await lintPaths({ paths: [other], cacheFile: blocked });
    expect(result.cache?.problem).toMatch(/could not write it/);
    expect(readdirSync(dirname(blocked))).toEqual(['lint.json']);
    expect(shown(result)).toEqual(shown(await lintPaths({ paths: [other] })));
  });

  it('keeps what this run read or judged, and earlier reports only while the file stays near its size', () => {
    const file = join(root, 'pruned', 'lint.json');
    const report = (n: number) => ({ path: `${n}.sql`, violations: [], statements: [] });
    let now = 0;
    const run = (keys: string[], read: string[] = []) => {
      const cache = LintCache.open(file, 18);
      for (const key of read) expect(cache.get(key)).toBeDefined();
      for (const key of keys) cache.set(key, report(Number(key.slice(1))));
      // A minute apart, so "most recently used" never ties.
      cache.write((now += 60_000), 0);
    };
    const cached = () => {
      const cache = LintCache.open(file, 18);
      return ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1'].filter((key) => cache.get(key) !== undefined);
    };
    run(['a1', 'a2']);
    run(['b1', 'b2']);
    expect(cached()).toEqual(['a1', 'a2', 'b1', 'b2']);
    // Two new reports: room for two earlier ones, the most recently written (b), not a.
    run(['c1', 'c2']);
    expect(cached()).toEqual(['b1', 'b2', 'c1', 'c2']);
    // What a run read counts as its own: b1 stays beside d1, and c (the newest earlier ones) fill the rest.
    run(['d1'], ['b1']);
    expect(cached()).toEqual(['b1', 'c1', 'c2', 'd1']);
  });

  it('gives the same verdicts as a run without it across the whole corpus, judged and from the cache', async () => {
    const corpus = join(dirname(fileURLToPath(import.meta.url)), '__corpus__');
    const cacheFile = join(root, 'corpus-cache', 'lint.json');
    for (const pgVersion of [18, 11]) {
      const clean = shown(await lintPaths({ paths: [corpus], pgVersion }));
      const judged = await lintPaths({ paths: [corpus], pgVersion, cacheFile });
      expect(judged.cache?.misses).toBeGreaterThan(300);
      expect(shown(judged)).toEqual(clean);
      const cached = await lintPaths({ paths: [corpus], pgVersion, cacheFile });
      expect(cached.cache).toMatchObject({ hits: judged.cache?.misses, misses: 0 });
      expect(shown(cached)).toEqual(clean);
    }
  });
});
