import { sqlComments } from '../sql/comments.js';

/** One `-- sdk-lint-ignore` comment. */
export interface IgnoreDirective {
  rules: string[];
  reason: string;
  /** `file` for `sdk-lint-ignore-file`, else the statement it applies to. */
  scope: 'file' | 'statement';
  line: number;
  column: number;
  /** The comment's start and end as string offsets. */
  start: number;
  end: number;
  /** Rule ids that it suppressed at least once. */
  used: Set<string>;
  /** Set when the comment is malformed: what is wrong with it. */
  problem?: string | undefined;
}

const MARKER = 'sdk-lint-ignore';
/** `sdk-lint-ignore[-file] rule-a, rule-b: reason`. */
const DIRECTIVE = /^\s*sdk-lint-ignore(-file)?(?:\s+([^:]*?))?\s*(?::\s*(.*?))?\s*$/s;

/**
 * The ignore comments of a file, found with PostgreSQL's scanner so the same words inside a string
 * or a dollar-quoted body are not taken for one.
 */
export function ignoreDirectives(text: string, knownRules: ReadonlySet<string>): IgnoreDirective[] {
  if (!text.includes(MARKER)) return [];
  const out: IgnoreDirective[] = [];
  for (const comment of sqlComments(text)) {
    const { inner, start, end, line, column } = comment;
    if (!inner.trimStart().startsWith(MARKER)) continue;
    const match = DIRECTIVE.exec(inner);
    const rules = (match?.[2] ?? '').split(/[\s,]+/).filter(Boolean);
    const reason = (match?.[3] ?? '').trim();
    let problem: string | undefined;
    if (!match || rules.length === 0) problem = 'names no rule: write `-- sdk-lint-ignore <rule-id>: <reason>`';
    else if (!reason) problem = `gives no reason: write \`-- ${MARKER}${match[1] ?? ''} ${rules.join(', ')}: <why this is safe here>\``;
    else {
      const unknown = rules.filter((r) => !knownRules.has(r));
      if (unknown.length) problem = `names unknown rule ${unknown.join(', ')}: see \`sdk db lint --list-rules\``;
    }
    out.push({ rules, reason, scope: match?.[1] ? 'file' : 'statement', line, column, start, end, used: new Set(), problem });
  }
  return out;
}

/**
 * The statement a statement-scoped ignore applies to: the statement it sits inside or trails on the
 * same line, else the first one that starts after it. `statements` are [start, end) string offsets with the line of their end.
 */
export function ignoredStatement(directive: IgnoreDirective, statements: readonly { start: number; end: number; endLine: number }[]): number | undefined {
  // A comment inside a multi-line statement (between its lines) applies to that statement.
  const inside = statements.findIndex((s) => s.start < directive.start && directive.end <= s.end);
  if (inside >= 0) return inside;
  // Trailing a line: the last statement that ends on that line before the comment.
  for (let i = statements.length - 1; i >= 0; i--) {
    const s = statements[i]!;
    if (s.start < directive.start && s.endLine === directive.line && s.end <= directive.start) return i;
  }
  const next = statements.findIndex((s) => s.start >= directive.end);
  return next >= 0 ? next : undefined;
}
