import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_RULES, RULES } from './registry.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const RULES_DIR = join(HERE, 'rules');
const DOCS = join(HERE, '..', '..', '..', '..', 'docs', 'rules');

/** Rule files: everything in rules/ but tests and shared helpers. */
const ruleFiles = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('-helpers.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('the rule registry', () => {
  it('holds every rule file, once, under the id the file is named after', () => {
    expect(RULES.map((r) => r.id).sort()).toEqual(ruleFiles);
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
  });

  it.each(ALL_RULES.map((r) => [r.id, r] as const))('%s has kebab-case id, a title and a severity', (id, rule) => {
    expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(rule.title).toMatch(/^[A-Z].*[^.]$/);
    expect(['error', 'warning']).toContain(rule.severity);
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s declares whether it guards the running app or the database', (_id, rule) => {
    // The one place a rule says whether a contract migration turns its findings into warnings.
    expect(['running-app', 'database']).toContain(rule.hazard);
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s documents what a contract migration does to its findings', (id, rule) => {
    const page = readFileSync(join(DOCS, `${id}.md`), 'utf8');
    const row = readFileSync(join(DOCS, 'README.md'), 'utf8').split('\n').find((line) => line.startsWith(`| [${id}](${id}.md) |`));
    if (rule.hazard === 'running-app') {
      expect(page).toMatch(/^## In a contract migration$/m);
      expect(row).toContain('warning in a contract migration');
    } else {
      expect(page).not.toMatch(/^## In a contract migration$/m);
      expect(row).not.toContain('contract');
    }
  });

  it.each(RULES.map((r) => [r.id] as const))('%s has a test file with a snapshot of its message', (id) => {
    const test = join(RULES_DIR, `${id}.test.ts`);
    expect(existsSync(test), `${test} is missing`).toBe(true);
    expect(readFileSync(test, 'utf8')).toMatch(/toMatch(Inline)?Snapshot\(/);
  });

  it.each(ALL_RULES.map((r) => [r.id, r] as const))('%s has a doc page with the problem, the alternative and how to ignore it', (id, rule) => {
    const page = join(DOCS, `${id}.md`);
    expect(existsSync(page), `${page} is missing`).toBe(true);
    const text = readFileSync(page, 'utf8');
    expect(text.startsWith(`# ${id}\n`)).toBe(true);
    expect(text).toContain(`**${rule.severity}**`);
    expect(text).toMatch(/^## Problem$/m);
    expect(text).toMatch(/^## (Instead|How ignores apply)$/m);
    expect(text).toMatch(/^## Ignoring$/m);
  });

  it('is indexed in docs/rules/README.md', () => {
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const rule of ALL_RULES) expect(index).toContain(`[${rule.id}](${rule.id}.md)`);
  });
});
