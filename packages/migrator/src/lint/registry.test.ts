import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, printedPlanSteps } from './__fixtures__/harness.js';
import { lintPaths } from './files.js';
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

  it("judges the rules' corpus the same when every rule sees every statement (the kinds only spare calls)", async () => {
    const corpus = join(HERE, '__corpus__');
    const everyStatement = RULES.map((rule) => ({ ...rule, kinds: undefined }));
    expect(RULES.filter((rule) => rule.kinds !== undefined).length).toBeGreaterThan(30);
    const [withKinds, without] = await Promise.all([lintPaths({ paths: [corpus], rules: RULES }), lintPaths({ paths: [corpus], rules: everyStatement })]);
    expect(withKinds.report.warnings + withKinds.report.errors).toBeGreaterThan(150);
    expect(JSON.stringify(withKinds.report)).toBe(JSON.stringify(without.report));
  });

  it('is indexed in docs/rules/README.md', () => {
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const rule of ALL_RULES) expect(index).toContain(`[${rule.id}](${rule.id}.md)`);
  });
});

/**
 * Each rule's doc page shows the plan of its example: every step the help prints for the page's
 * "Instead of" statement is on the page, verbatim.
 */
describe('the doc pages of the rules whose help is an operation plan', () => {
  beforeAll(loadParser);

  const users = 'CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" varchar(255));';
  const cases = [
    { rule: 'setting-not-null', history: ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" text);'], sql: 'ALTER TABLE "auth"."users" ALTER COLUMN "email" SET NOT NULL;' },
    { rule: 'adding-required-column', history: [users], sql: 'ALTER TABLE "auth"."users" ADD COLUMN "email2" text NOT NULL;', replace: ['email2', 'email'] },
    { rule: 'renaming-column', history: [users], sql: 'ALTER TABLE "auth"."users" RENAME COLUMN "email" TO "email_address";' },
    { rule: 'changing-column-type', history: ['CREATE TABLE "orders" ("id" serial PRIMARY KEY, "amount" integer);'], sql: 'ALTER TABLE "orders" ALTER COLUMN "amount" SET DATA TYPE bigint;' },
    { rule: 'creating-index-non-concurrently', history: [users], sql: 'CREATE INDEX "users_email_idx" ON "auth"."users" USING btree ("email");' },
    {
      rule: 'adding-foreign-key',
      history: ['CREATE TABLE "users" ("id" serial PRIMARY KEY);\nCREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer);'],
      sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade;',
    },
    { rule: 'adding-check-constraint', history: ['CREATE TABLE "orders" ("id" serial PRIMARY KEY, "total" integer);'], sql: 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0);' },
    { rule: 'adding-unique-constraint', history: [users], sql: 'ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");' },
  ];

  it.each(cases)('$rule shows the steps its help prints', ({ rule, history, sql, replace }) => {
    const page = readFileSync(join(DOCS, `${rule}.md`), 'utf8');
    const [v] = lintSql(sql, { rules: RULES.filter((r) => r.id === rule), history });
    const steps = printedPlanSteps(v!.help).map((s) => s.slice(s.indexOf(': ') + 2));
    expect(steps.length).toBeGreaterThan(0);
    // The adding-required-column page adds "email", which the history's table already has.
    for (const step of steps) expect(page).toContain(replace ? step.replaceAll(replace[0]!, replace[1]!) : step);
  });
});
