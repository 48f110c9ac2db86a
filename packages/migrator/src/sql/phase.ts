import { scanSync } from 'libpg-query';
import type { Phase, SqlStatement } from './types.js';

const OVERRIDE = /^--\s*sdk:phase\s+(expand|contract)\b/i;

/**
 * The phase of a whole migration: contract if any statement is, unless a comment
 * `-- sdk:phase expand|contract` overrides it. The comment is found with PostgreSQL's scanner,
 * so the same text inside a string literal is not taken for it.
 */
export function migrationPhase(fileText: string, statements: SqlStatement[]): { phase: Phase; source: 'inferred' | 'comment'; reason: string } {
  if (fileText.includes('sdk:phase')) {
    for (const token of scanSync(fileText).tokens) {
      if (token.tokenName !== 'SQL_COMMENT') continue;
      const match = OVERRIDE.exec(token.text);
      if (match) {
        const phase = match[1]!.toLowerCase() as Phase;
        return { phase, source: 'comment', reason: `set by the -- sdk:phase ${phase} comment` };
      }
    }
  }
  const first = statements.find((s) => s.phase === 'contract');
  if (first) return { phase: 'contract', source: 'inferred', reason: `line ${first.line}: ${first.phaseReason}` };
  return { phase: 'expand', source: 'inferred', reason: 'every statement is backward compatible' };
}
