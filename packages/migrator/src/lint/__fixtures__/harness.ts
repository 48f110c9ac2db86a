import { loadParser } from '../../sql/parse.js';
import { lintText } from '../engine.js';
import { NEWEST_PG_VERSION } from '../files.js';
import { SchemaKnowledge } from '../knowledge.js';
import { RULE_IDS } from '../registry.js';
import { renderViolation } from '../report/pretty.js';
import type { OperationPlan } from '../../operations/types.js';
import type { LintRule, Violation } from '../types.js';

export { loadParser };

/**
 * Lints `sql` with the given rules, as a file that follows `history` (earlier migrations, whose
 * tables are existing tables, not new ones). Call `await loadParser()` first.
 */
export function lintSql(sql: string, options: { rules: readonly LintRule[]; pgVersion?: number; history?: readonly string[] }): Violation[] {
  const knowledge = new SchemaKnowledge();
  const common = { pgVersion: options.pgVersion ?? NEWEST_PG_VERSION, rules: options.rules, knownRules: RULE_IDS, knowledge };
  (options.history ?? []).forEach((text, i) => {
    knowledge.file = i;
    lintText(text, { ...common, path: `history-${i}.sql`, rules: [] });
  });
  knowledge.file = options.history?.length ?? 0;
  return lintText(sql, { ...common, path: 'migration.sql' }).violations;
}

/** The violations rendered as the terminal shows them (no colours), for snapshots. */
export function rendered(sql: string, violations: readonly Violation[]): string {
  return violations.map((v) => renderViolation({ path: 'migration.sql', violations: [], statements: [] }, v, sql)).join('\n\n');
}

/**
 * The steps a help prints from an operation's plan, in order: `name: what it runs`, read from its
 * numbered lines `N. name (...): \`SQL\``. Steps of the user's own (`1. \`ALTER TABLE ...\``)
 * have no name and are left out.
 */
export function printedPlanSteps(help: string): string[] {
  return [...help.matchAll(/^\d+\. ([^`\n]*?)(?: \((?:outside a transaction|starts a new migration)\))*: `([^`]*)`/gm)].map((m) => `${m[1]}: ${m[2]}`);
}

/** The same for the plan itself: each step's name and exactly what it runs (a data migration's UPDATE, in batches). */
export function planSteps(plan: OperationPlan): string[] {
  return plan.steps.map((step) => {
    if (step.kind === 'sql') return `${step.name}: ${step.sql}`;
    if (step.kind === 'backfill') return `${step.name}: UPDATE ${step.table} SET ${step.set}${step.where ? ` WHERE ${step.where}` : ''}`;
    return `${step.name}: INSERT INTO ${step.into} (${step.columns.join(', ')}) SELECT ${step.select.join(', ')} FROM ${step.table}`;
  });
}
