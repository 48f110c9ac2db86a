import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintPaths, NEWEST_PG_VERSION } from './files.js';
import { RULE_IDS } from './registry.js';
import type { Severity } from './types.js';

/**
 * The labelled corpus in `__corpus__/`: small migrations, unsafe and safe, each linted with the
 * public API as `sdk db lint` lints it. A case is one `.sql` file, or a folder of `.sql` files that
 * run in name order where only the last one is judged (the earlier ones are its history). The
 * judged file's first line is the label: `-- expect: rule-a, rule-b` (exactly the rule ids that
 * must be reported) or `-- expect: none`. A severity after an id, `rule-a (warning)`, is checked
 * too: every finding of that rule must have it (contract migrations turn running-app findings
 * into warnings, docs/rules/README.md#expand-and-contract). Then optionally `-- pg-version: <n>`, and
 * `-- history: 0000_init.sql, ...`: migrations from `__corpus__/history/` that many cases start
 * from, placed in the case's folder (by name order) before it is linted, and
 * `-- source: <url> (why)`: the documentation the expected verdict was written from (PostgreSQL's
 * reference pages, or the rule lists of squawk, strong_migrations and eugene), not the linter's
 * output. These are read from the comment lines right after the label.
 *
 * Detection rate = unsafe cases whose expected ids are all reported / unsafe cases.
 * False-alarm rate = cases reporting any id they do not expect / all cases.
 * The corpus passes at 100% detection and 0% false alarms, nothing less.
 */

const CORPUS = fileURLToPath(new URL('./__corpus__/', import.meta.url));
const SHARED_HISTORY = join(CORPUS, 'history');

/** Every permanent rule id a label may name (the registry's ids are checked against this too). */
const KNOWN_RULE_IDS = [
  // rewrites
  'changing-column-type', 'adding-volatile-default', 'adding-serial-column', 'adding-stored-generated-column',
  'setting-logged-unlogged', 'setting-tablespace', 'adding-domain-check', 'vacuum-full', 'clustering-table',
  'refreshing-materialized-view',
  // scans, constraints, indexes
  'creating-index-non-concurrently', 'setting-not-null', 'adding-check-constraint', 'adding-foreign-key',
  'adding-unique-constraint', 'validating-in-same-transaction', 'attaching-partition', 'dropping-index-non-concurrently',
  'reindexing-non-concurrently', 'concurrently-in-transaction', 'detaching-partition-concurrently', 'unnamed-concurrent-index', 'locking-table',
  // breaking changes, data
  'adding-required-column', 'renaming-column', 'renaming-table', 'renaming-enum-value', 'dropping-column', 'dropping-table', 'dropping-schema',
  'enabling-row-level-security', 'column-used-by-view', 'drop-cascade', 'truncating-table', 'unbounded-data-change', 'disabling-triggers', 'setting-schema',
  'schema-change-after-data-change', 'enum-value-in-transaction', 'transaction-control', 'unsupported-in-version',
  // engine
  'syntax-error', 'unreadable-file', 'empty-migration', 'unused-ignore', 'invalid-ignore', 'invalid-phase-comment',
] as const;

interface Case {
  /** `unsafe/drop-column-drizzle` or `safe/varchar-widening` (a folder case). */
  name: string;
  safe: boolean;
  /** The file that is judged: the case's file, or the last file of the case's folder. */
  judged: string;
  /** Earlier migrations of a folder case (its own files and the shared ones it names), in the order they run. */
  history: string[];
  /** Every file of the case, shared history included, by name. */
  files: string[];
  expected: string[];
  /** The severity a label names for a rule id (`rule-a (warning)`); unchecked for the others. */
  severities: Map<string, Severity>;
  pgVersion: number;
  /** `-- source: <url> (...)`: the documentation the expected verdict comes from, when the case names one. */
  source: string | undefined;
}

interface Outcome {
  got: string[];
  missing: string[];
  unexpected: string[];
  /** `rule-a warning`: a finding of a rule whose label names another severity. */
  wrongSeverity: string[];
}

function loadCases(): Case[] {
  const cases: Case[] = [];
  for (const group of ['unsafe', 'safe'] as const) {
    const folder = join(CORPUS, group);
    for (const entry of readdirSync(folder).sort()) {
      const path = join(folder, entry);
      let files: string[];
      if (statSync(path).isDirectory()) {
        files = readdirSync(path).filter((f) => f.endsWith('.sql')).sort().map((f) => join(path, f));
      } else if (entry.endsWith('.sql')) {
        files = [path];
      } else {
        continue;
      }
      const judged = files.at(-1)!;
      // latin1 reads any bytes, so a case about a file that is not UTF-8 still has a label.
      const [first = '', ...rest] = readFileSync(judged, 'latin1').split(/\r?\n/);
      // The header: the comment lines right after the label (pg-version, history, source, notes).
      const end = rest.findIndex((line) => !line.startsWith('--'));
      const header = end < 0 ? rest : rest.slice(0, end);
      const label = /^--\s*expect:\s*(.*?)\s*$/.exec(first);
      if (!label) throw new Error(`${relative(CORPUS, judged)}: the first line must be \`-- expect: <rule-id>[, ...]\` or \`-- expect: none\``);
      const version = header.map((line) => /^--\s*pg-version:\s*(\d+)\s*$/.exec(line)).find(Boolean);
      const shared = header.map((line) => /^--\s*history:\s*(.*?)\s*$/.exec(line)?.[1]).find(Boolean)?.split(/\s*,\s*/) ?? [];
      const source = header.map((line) => /^--\s*source:\s*(\S+)/.exec(line)?.[1]).find(Boolean);
      const all = [...shared.map((name) => join(SHARED_HISTORY, name)), ...files].sort((a, b) => basename(a).localeCompare(basename(b)));
      const items = label[1] === 'none' ? [] : label[1]!.split(/\s*,\s*/).filter(Boolean);
      const severities = new Map<string, Severity>();
      const expected = items
        .map((item) => {
          const [, id = item, severity] = /^(\S+)\s*\((error|warning)\)$/.exec(item) ?? [];
          if (severity) severities.set(id, severity as Severity);
          return id;
        })
        .sort();
      cases.push({
        name: `${group}/${entry.replace(/\.sql$/, '')}`,
        safe: group === 'safe',
        judged,
        history: all.slice(0, -1),
        files: all,
        expected,
        severities,
        pgVersion: version ? Number(version[1]) : NEWEST_PG_VERSION,
        source,
      });
    }
  }
  return cases;
}

const cases = loadCases();
const outcomes = new Map<string, Outcome>();

async function lintCase(c: Case): Promise<Outcome> {
  // The last file only: lintPaths reads the earlier files of its folder as history by itself.
  const { report } = await withCaseFolder(c, (judged) => lintPaths({ paths: [judged], pgVersion: c.pgVersion }));
  const violations = report.files.flatMap((f) => f.violations);
  const got = [...new Set(violations.map((v) => v.rule))].sort();
  const wrong = violations.filter((v) => (c.severities.get(v.rule) ?? v.severity) !== v.severity).map((v) => `${v.rule} ${v.severity}`);
  return {
    got,
    missing: c.expected.filter((id) => !got.includes(id)),
    unexpected: got.filter((id) => !c.expected.includes(id)),
    wrongSeverity: [...new Set(wrong)],
  };
}

/** Runs `use` on the judged file in a folder holding all the case's files (shared history copied in). */
async function withCaseFolder<T>(c: Case, use: (judged: string) => Promise<T>): Promise<T> {
  if (c.files.every((f) => !f.startsWith(SHARED_HISTORY))) return use(c.judged);
  const folder = mkdtempSync(join(tmpdir(), 'sdk-corpus-'));
  try {
    for (const file of c.files) copyFileSync(file, join(folder, basename(file)));
    return await use(join(folder, basename(c.judged)));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** `www.postgresql.org 30, squawkhq.com 8, ...`: how many cases cite each documentation site. */
function sourceCounts(all: readonly Case[]): string {
  const counts = new Map<string, number>();
  for (const c of all) {
    const host = c.source ? new URL(c.source).host : 'none given';
    counts.set(host, (counts.get(host) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([host, n]) => `${host} ${n}`).join(', ');
}

const percent = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);
const listed = (ids: readonly string[]) => (ids.length ? ids.join(', ') : 'none');

beforeAll(async () => {
  for (const c of cases) outcomes.set(c.name, await lintCase(c));
});

describe('the labelled corpus', () => {
  it('is well formed: 130+ cases, about half unsafe, every label a known rule id, every rule covered', () => {
    const unsafe = cases.filter((c) => !c.safe);
    const safe = cases.filter((c) => c.safe);
    expect(cases.length).toBeGreaterThanOrEqual(130);
    expect(Math.min(unsafe.length, safe.length) / cases.length).toBeGreaterThan(0.4);
    for (const c of cases) {
      if (c.safe) expect(c.expected, `${c.name}: a safe case expects none`).toEqual([]);
      else expect(c.expected.length, `${c.name}: an unsafe case names its rule ids`).toBeGreaterThan(0);
      for (const id of c.expected) expect(KNOWN_RULE_IDS, `${c.name}: unknown rule id ${id}`).toContain(id);
      expect(basename(c.judged)).toMatch(/^[0-9a-z][0-9a-z_-]*\.sql$/);
      if (c.source !== undefined) expect(c.source, `${c.name}: a source is a documentation URL`).toMatch(/^https:\/\/[^\s/]+\/\S*$/);
    }
    const covered = new Set(unsafe.flatMap((c) => c.expected));
    expect(KNOWN_RULE_IDS.filter((id) => !covered.has(id)), 'rule ids no unsafe case expects').toEqual([]);
    // Every registered rule is one the corpus knows (a new rule needs unsafe cases here).
    expect([...RULE_IDS].filter((id) => !(KNOWN_RULE_IDS as readonly string[]).includes(id)), 'registered rules unknown to the corpus').toEqual([]);
  });

  it('reads the earlier migrations of a folder case as history', async () => {
    // 0000 creates phone_number varchar(20); 0001 widens it to varchar(32). With its history the
    // widening keeps the rows; linted alone, the column's type is unknown and a rewrite is assumed.
    const c = cases.find((x) => x.name === 'safe/varchar-widening')!;
    expect(c.history.map((h) => basename(h))).toEqual(['0000_init.sql']);
    const rewrites = async (path: string) => {
      const { report } = await lintPaths({ paths: [path], pgVersion: c.pgVersion });
      return report.files[0]!.statements.flatMap((s) => s.effects).map((e) => e.rewrite);
    };
    expect(await withCaseFolder(c, rewrites)).toEqual([false]);
    const alone = mkdtempSync(join(tmpdir(), 'sdk-corpus-'));
    try {
      copyFileSync(c.judged, join(alone, basename(c.judged)));
      expect(await rewrites(join(alone, basename(c.judged)))).toEqual([true]);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });

  it("lints the project's own migrations clean (what drizzle-kit generated for the schema)", async () => {
    const migrations = fileURLToPath(new URL('../../../db-config/migrations/', import.meta.url));
    const { report } = await lintPaths({ paths: [migrations] });
    expect(report.files.length).toBeGreaterThan(0);
    expect(report.files.flatMap((f) => f.violations)).toEqual([]);
  });

  it('keeps the shared history in use', () => {
    const used = new Set(cases.flatMap((c) => c.history.filter((h) => h.startsWith(SHARED_HISTORY))));
    expect(readdirSync(SHARED_HISTORY).map((f) => join(SHARED_HISTORY, f)).filter((f) => !used.has(f))).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const outcome = outcomes.get(c.name)!;
    expect(outcome.got, `${relative(CORPUS, c.judged)} (PostgreSQL ${c.pgVersion})`).toEqual(c.expected);
    expect(outcome.wrongSeverity, `${relative(CORPUS, c.judged)}: findings whose severity is not the label's`).toEqual([]);
  });

  it('detects every unsafe case and raises no false alarm', () => {
    const unsafe = cases.filter((c) => !c.safe);
    const safe = cases.filter((c) => c.safe);
    const detected = unsafe.filter((c) => outcomes.get(c.name)!.missing.length === 0);
    const falseAlarms = cases.filter((c) => outcomes.get(c.name)!.unexpected.length > 0);
    const mismatches = cases.filter((c) => {
      const o = outcomes.get(c.name)!;
      return o.missing.length > 0 || o.unexpected.length > 0 || o.wrongSeverity.length > 0;
    });
    const detection = unsafe.length ? detected.length / unsafe.length : 1;
    const falseAlarmRate = cases.length ? falseAlarms.length / cases.length : 0;

    const lines = [
      `lint corpus: ${cases.length} cases (${unsafe.length} unsafe, ${safe.length} safe), ${RULE_IDS.size} rules registered`,
      `  detection     ${percent(detected.length, unsafe.length).padStart(6)}  (${detected.length}/${unsafe.length} unsafe cases fully reported; target 100%)`,
      `  false alarms  ${percent(falseAlarms.length, cases.length).padStart(6)}  (${falseAlarms.length}/${cases.length} cases with an unexpected finding, ${safe.filter((c) => falseAlarms.includes(c)).length} of them safe; target 0%)`,
      `  sources       ${sourceCounts(cases)}`,
    ];
    if (mismatches.length) {
      const width = Math.max(...mismatches.map((c) => c.name.length));
      lines.push(`  mismatches (${mismatches.length}):`);
      for (const c of mismatches) {
        const o = outcomes.get(c.name)!;
        const unregistered = o.missing.filter((id) => !RULE_IDS.has(id));
        const note = unregistered.length && unregistered.length === o.missing.length && o.unexpected.length === 0 ? '  [rule not registered yet]' : '';
        const severity = o.wrongSeverity.length ? `; wrong severity: ${o.wrongSeverity.join(', ')}` : '';
        lines.push(`    ${c.name.padEnd(width)}  expected ${listed(c.expected)}; got ${listed(o.got)}${severity}${note}`);
      }
    }
    console.log(lines.join('\n'));

    expect(detection, 'detection rate').toBe(1);
    expect(falseAlarmRate, 'false-alarm rate').toBe(0);
  });
});
