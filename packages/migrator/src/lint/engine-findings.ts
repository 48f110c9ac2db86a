import type { Violation } from './types.js';

/**
 * The engine's own findings: about a file as a whole rather than about a statement. Kept apart
 * from engine.ts so that reading files (read.ts) and the lint cache (cache.ts) do not load the
 * parser and the rules.
 */

/** The engine's own rule ids. */
export const ENGINE_RULE_IDS = {
  syntax: 'syntax-error',
  unreadable: 'unreadable-file',
  empty: 'empty-migration',
  unusedIgnore: 'unused-ignore',
  invalidIgnore: 'invalid-ignore',
  invalidPhase: 'invalid-phase-comment',
} as const;

export function fileViolation(rule: string, severity: Violation['severity'], line: number, column: number, message: string, help: string): Violation {
  return { rule, severity, line, column, endLine: line, endColumn: column, message, help };
}
