import { MigratorError } from '../errors.js';
import { sqlComments } from './comments.js';
import type { Phase, SqlStatement } from './types.js';

/** The phase of a whole migration, and where it comes from. */
export interface MigrationPhase {
  phase: Phase;
  /** `comment` when a `-- sdk:phase` comment set it, `inferred` when the statements did. */
  source: 'inferred' | 'comment';
  reason: string;
}

const MARKER_ANY_CASE = /sdk:phase/i;
/** The comment text after `--` or inside `/* *\/`: `sdk:phase expand`, optionally followed by words. */
const OVERRIDE = /^\s*sdk:phase\b\s*([a-z]*)/i;

/**
 * The phase of a whole migration file: contract when any statement is (the first one gives the
 * reason), expand otherwise. A comment `-- sdk:phase expand` or `-- sdk:phase contract` anywhere
 * in the file overrides the inference. The comment is found with PostgreSQL's scanner, so the
 * same words inside a string literal or dollar quote are not taken for it. Call `loadParser()`
 * first (as `analyzeSql` does).
 *
 * @throws MigratorError `E_PHASE_COMMENT` when the comment names no phase, or two comments disagree:
 *   a typo must not silently turn a contract migration into an expand one.
 */
export function migrationPhase(fileText: string, statements: readonly SqlStatement[]): MigrationPhase {
  const override = phaseComment(fileText);
  if (override) return { phase: override.phase, source: 'comment', reason: `set by the \`-- sdk:phase ${override.phase}\` comment on line ${override.line}` };
  const first = statements.find((s) => s.phase === 'contract');
  if (first) return { phase: 'contract', source: 'inferred', reason: `line ${first.line}: ${first.phaseReason}` };
  return { phase: 'expand', source: 'inferred', reason: 'every statement is backward compatible with the running app' };
}

function phaseComment(fileText: string): { phase: Phase; line: number } | undefined {
  // Skips the scan for almost every file, without a lower-case copy of a file that may be 50 MB.
  if (!MARKER_ANY_CASE.test(fileText)) return undefined;
  let found: { phase: Phase; line: number } | undefined;
  for (const comment of sqlComments(fileText)) {
    const match = OVERRIDE.exec(comment.inner);
    if (!match) continue;
    const line = comment.line;
    const word = match[1]!.toLowerCase();
    if (word !== 'expand' && word !== 'contract') {
      throw new MigratorError('E_PHASE_COMMENT', `line ${line}: \`${comment.text.trim()}\` names no phase`, {
        hint: 'write `-- sdk:phase expand` or `-- sdk:phase contract`, or remove the comment to let the statements decide',
      });
    }
    if (found && found.phase !== word) {
      throw new MigratorError('E_PHASE_COMMENT', `lines ${found.line} and ${line}: the -- sdk:phase comments disagree (${found.phase} and ${word})`, {
        hint: 'keep one `-- sdk:phase` comment per migration file',
      });
    }
    found ??= { phase: word, line };
  }
  return found;
}

const LOCK_TIMEOUT_MARKER = /sdk:lock-timeout/i;
const LOCK_TIMEOUT = /^\s*sdk:lock-timeout\b\s*(\S*)/i;

/**
 * The `-- sdk:lock-timeout 1500ms` (or `2s`) comment of a migration file: the longest the file's
 * statements may wait for a lock. Operations write it from their plan; the runner applies the
 * shorter of it and its own lock timeout.
 *
 * @throws MigratorError `E_PHASE_COMMENT` when the value is not a duration.
 */
export function lockTimeoutComment(fileText: string): number | undefined {
  if (!LOCK_TIMEOUT_MARKER.test(fileText)) return undefined;
  let found: number | undefined;
  for (const comment of sqlComments(fileText)) {
    const match = LOCK_TIMEOUT.exec(comment.inner);
    if (!match) continue;
    const value = /^(\d+(?:\.\d+)?)(ms|s)?$/i.exec(match[1] ?? '');
    if (!value) {
      throw new MigratorError('E_PHASE_COMMENT', `line ${comment.line}: \`${comment.text.trim()}\` is not a duration`, { hint: 'write `-- sdk:lock-timeout 2000ms` or `-- sdk:lock-timeout 2s`' });
    }
    const ms = Number(value[1]) * (value[2]?.toLowerCase() === 's' ? 1000 : 1);
    found = found === undefined ? ms : Math.min(found, ms);
  }
  return found;
}
