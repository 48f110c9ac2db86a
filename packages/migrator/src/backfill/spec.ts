import { createHash } from 'node:crypto';
import { MigratorError } from '../errors.js';
import { loadParser, parseStatements } from '../sql/index.js';
import type { BackfillSpec } from './types.js';

/**
 * Checks that `set` and `where` are one SET list and one condition, by parsing the UPDATE they
 * make with PostgreSQL's parser: a `;` smuggling a second statement, or a typo, is refused before
 * anything runs.
 */
export async function checkSpec(spec: BackfillSpec, tableSql: string): Promise<void> {
  if (!spec.set.trim()) throw new MigratorError('E_BACKFILL_SPEC', 'the SET list is empty: say what to write, e.g. --set "score = id % 100"');
  await loadParser();
  const text = `UPDATE ${tableSql} SET ${spec.set}${spec.where?.trim() ? ` WHERE ${spec.where}` : ''}`;
  let statements;
  try {
    statements = parseStatements(text);
  } catch (error) {
    throw new MigratorError('E_BACKFILL_SPEC', `the SET list or the WHERE condition is not valid SQL: ${(error as Error).message.replace(/^.*?: /, '')}`, {
      cause: error,
      hint: 'write them as in an UPDATE: --set "col = expression, other = ..." --where "condition"',
    });
  }
  if (statements.length !== 1 || statements[0]!.kind !== 'UpdateStmt') {
    throw new MigratorError('E_BACKFILL_SPEC', 'the SET list and the WHERE condition must make one UPDATE: no ";" and no other statement', {
      hint: 'run other statements separately; a backfill changes one table with one SET list',
    });
  }
}

/** A stable hash of what the backfill does: the same table, SET and WHERE resume the same backfill. */
export function specHash(tableDisplay: string, spec: BackfillSpec): string {
  return createHash('sha256')
    .update(JSON.stringify([tableDisplay, spec.set.trim(), spec.where?.trim() ?? null, (spec.params ?? []).map((p) => String(p))]))
    .digest('hex');
}

/** The default name: the table and the start of the spec's hash (`public.items-3f9a1c2e`). */
export function defaultName(tableDisplay: string, hash: string): string {
  return `${tableDisplay}-${hash.slice(0, 8)}`;
}
