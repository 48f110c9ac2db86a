import { createHash } from 'node:crypto';
import { MigratorError } from '../errors.js';
import type { SqlStatement } from '../sql/types.js';
import type { Progress, StatementProgress } from '../db/metadata.js';

/** sha256 of one statement's text, recorded with its progress. */
export function statementHash(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * What still holds of a partly applied migration's recorded progress now that its file changed.
 * Statements run in file order, so what completed is always the first N statements (and the
 * one after them may have been started outside a transaction). The fix a user makes after a
 * failure is to the statement that failed or to later ones:
 *
 * - a completed statement whose text is unchanged stays done (it is not run twice);
 * - a statement that never completed runs in its new form;
 * - an edit to a completed statement (or a new statement before it) is refused: what ran is in
 *   the database and the new text would never run.
 *
 * Returns the progress to resume from (marked `remapped` when it must be written back), or
 * throws E_CHECKSUM naming the statement and the ways out.
 */
export function remapProgress(recorded: Progress, file: { tag: string; path: string; hash: string }, statements: readonly SqlStatement[]): Progress {
  if (recorded.hash === file.hash) return recorded;
  const done = [...recorded.done].sort((a, b) => a - b);
  const statementsOut = new Map<number, StatementProgress>();
  const staleIndexNames: string[] = [];
  for (const [position, index] of done.entries()) {
    const row = recorded.statements.get(index);
    const now = statements[position];
    if (index !== position || !row?.statementHash) {
      throw editedError(file, `the progress recorded for it predates per-statement checks (statement ${index + 1} completed)`);
    }
    if (!now || statementHash(now.sql) !== row.statementHash) {
      throw editedError(file, `statement ${position + 1} completed before the file was edited, and ${now ? `its text changed (line ${now.line})` : 'it is no longer in the file'}`);
    }
    statementsOut.set(position, row);
  }
  const started = new Set<number>();
  for (const index of recorded.started) {
    const row = recorded.statements.get(index)!;
    const now = statements[index];
    if (now && row.statementHash !== null && statementHash(now.sql) === row.statementHash) {
      started.add(index);
      statementsOut.set(index, row);
    } else if (row.indexName) {
      // The edited statement's own leftover: an index it may have left INVALID under the name
      // the runner gave it. Dropped (if INVALID) before the new form runs.
      staleIndexNames.push(row.indexName);
    }
  }
  return {
    hash: file.hash,
    done: new Set(done),
    started,
    statements: statementsOut,
    remapped: true,
    ...(staleIndexNames.length ? { staleIndexNames } : {}),
  };
}

function editedError(file: { tag: string; path: string }, detail: string): MigratorError {
  return new MigratorError('E_CHECKSUM', `migration ${file.tag} was partly applied and ${file.path} changed since: ${detail}`, {
    hint: `restore the text that ran (git log -p -- ${file.path}) and put the change in a new migration; or, after checking in the database what the completed statements did, run \`sdk db migrate\` with \`resetProgress\` ${file.tag} to run the whole file again`,
  });
}
