import { MigratorError } from '../errors.js';
import { migrationPhase, type MigrationPhase } from '../sql/phase.js';
import type { SqlStatement } from '../sql/types.js';
import type { Finding } from './types.js';

/**
 * How a migration's phase changes the verdict of `running-app` rules (docs/rules/README.md#expand-and-contract).
 * An expand migration must keep the running application working; a contract migration runs after
 * the application version that no longer needs the old schema is deployed, and removes it. So a
 * drop or a rename that is an error in an expand migration is the very purpose of a contract one:
 * there it is a warning that says what must be true before it runs.
 */

/** A `-- sdk:phase` comment the runner refuses (`E_PHASE_COMMENT`), as the linter reports it. */
export interface PhaseCommentProblem {
  line: number;
  message: string;
  help: string;
}

/**
 * The migration's phase exactly as the runner decides it (`migrationPhase`): its `-- sdk:phase`
 * comment, else contract when any statement is. A comment the runner refuses (no phase named, two
 * that disagree) is returned as a problem, and the file then has no phase: every finding keeps
 * its severity.
 */
export function filePhase(text: string, statements: readonly SqlStatement[]): { phase?: MigrationPhase; problem?: PhaseCommentProblem } {
  try {
    return { phase: migrationPhase(text, statements) };
  } catch (error) {
    if (!(error instanceof MigratorError) || error.code !== 'E_PHASE_COMMENT') throw error;
    // The message starts with the comment's line: "line 3: ..." or "lines 1 and 3: ...".
    const line = Number(/^lines? (\d+)/.exec(error.message)?.[1] ?? 1);
    const message = `${error.message.replace(/^lines? [\d and]+: /, '')}: \`sdk db migrate\` refuses this migration until the comment is fixed.`;
    return { problem: { line, message: message.charAt(0).toUpperCase() + message.slice(1), help: `Fix it: ${error.hint ?? 'write `-- sdk:phase expand` or `-- sdk:phase contract`'}.` } };
  }
}

/**
 * The finding of a `running-app` rule as a contract step (a warning), or undefined when it stays
 * as reported:
 *
 * - the file says `-- sdk:phase contract`: it becomes a warning;
 * - the runner classifies the file contract from its statements (no comment) and the rule found
 *   the preparation an earlier migration made for it (`preparedBy`): it becomes a warning;
 * - anything else (an expand migration, `-- sdk:phase expand`, no preparation found): unchanged.
 *
 * The rule id stays; only the severity and the wording change.
 */
export function asContractStep(finding: Finding, phase: MigrationPhase | undefined): Finding | undefined {
  const step = finding.contract;
  if (!step || phase?.phase !== 'contract') return undefined;
  const why = phase.source === 'comment' ? phase.reason : step.preparedBy && `its expand step: ${step.preparedBy}`;
  if (why === undefined) return undefined;
  return {
    message: `${step.action} is a contract step (${why}): run it only once ${step.requires}.`,
    help: step.help,
    severity: 'warning',
  };
}
