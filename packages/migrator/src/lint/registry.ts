import { ENGINE_RULE_IDS } from './engine.js';
import type { LintRule, Severity } from './types.js';
import { creatingIndexNonConcurrently } from './rules/creating-index-non-concurrently.js';

/** What listings, docs and SARIF need to know about a rule. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
}

/** Every statement rule, in the order their findings are reported. Ids are permanent. */
export const RULES: readonly LintRule[] = [
  creatingIndexNonConcurrently,
];

/** Findings the engine makes about a file as a whole. */
export const ENGINE_RULES: readonly RuleInfo[] = [
  { id: ENGINE_RULE_IDS.syntax, severity: 'error', title: 'SQL that PostgreSQL cannot parse' },
  { id: ENGINE_RULE_IDS.unreadable, severity: 'error', title: 'A file that is not readable SQL text' },
  { id: ENGINE_RULE_IDS.empty, severity: 'warning', title: 'A migration with no statements' },
  { id: ENGINE_RULE_IDS.unusedIgnore, severity: 'warning', title: 'An ignore comment that suppresses nothing' },
  { id: ENGINE_RULE_IDS.invalidIgnore, severity: 'warning', title: 'A malformed ignore comment' },
];

export const ALL_RULES: readonly RuleInfo[] = [...RULES, ...ENGINE_RULES];

export const RULE_IDS: ReadonlySet<string> = new Set(ALL_RULES.map((r) => r.id));
