import { createHash } from 'node:crypto';
import { MigratorError } from '../errors.js';
import { loadParser, parseStatements } from '../sql/index.js';
import type { BackfillSpec, CopySpec } from './types.js';

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

/** The source expressions of a copy: `select`, or the target's column names. */
export function copySelect(spec: CopySpec): readonly string[] {
  return spec.select ?? spec.columns;
}

/**
 * Checks a copy the way checkSpec checks a backfill: the columns and expressions must make one
 * `INSERT INTO into (columns) SELECT expressions FROM table`, as PostgreSQL's parser reads it.
 */
export async function checkCopySpec(spec: CopySpec, tableSql: string, intoSql: string): Promise<void> {
  const select = copySelect(spec);
  if (spec.columns.length === 0) throw new MigratorError('E_BACKFILL_SPEC', 'the copy names no column: say which columns of the target to fill, e.g. columns: ["id", "email"]');
  if (select.length !== spec.columns.length) {
    throw new MigratorError('E_BACKFILL_SPEC', `the copy fills ${spec.columns.length} columns from ${select.length} expressions: give one expression per column, in order`);
  }
  await loadParser();
  let statements;
  try {
    statements = parseStatements(`INSERT INTO ${intoSql} (${spec.columns.join(', ')}) SELECT ${select.join(', ')} FROM ${tableSql}`);
  } catch (error) {
    throw new MigratorError('E_BACKFILL_SPEC', `the copy's columns or expressions are not valid SQL: ${(error as Error).message.replace(/^.*?: /, '')}`, {
      cause: error,
      hint: 'give the target columns as identifiers (quoted where needed) and one SQL expression over the source row per column',
    });
  }
  if (statements.length !== 1 || statements[0]!.kind !== 'InsertStmt') {
    throw new MigratorError('E_BACKFILL_SPEC', 'the copy\'s columns and expressions must make one INSERT ... SELECT: no ";" and no other statement', {
      hint: 'a copy fills one table from another; run other statements separately',
    });
  }
}

/**
 * What a copy does, hashed: the tables, columns and expressions, and the target's oid, so that a
 * target dropped and created again (a rolled-back rewrite started over) is never taken for the one
 * an earlier run finished copying into.
 */
export function copyHash(tableDisplay: string, intoDisplay: string, intoOid: number, spec: CopySpec): string {
  return createHash('sha256')
    .update(JSON.stringify(['copy', tableDisplay, intoDisplay, intoOid, spec.columns.map((c) => c.trim()), copySelect(spec).map((s) => s.trim())]))
    .digest('hex');
}
