import { bodyOf, list, relationKey, type SelectStmt } from '../../sql/ast.js';
import type { LintStatement } from '../types.js';

/**
 * Shared by the rules about data changes in a migration: when a statement changes a number of
 * rows nothing in it bounds. The linter does not count rows; it reads the statement: a `WHERE`
 * (or, for INSERT ... SELECT, a `WHERE` or `LIMIT` in the query) is taken as bounded.
 */

export interface DataChange {
  /** relationKey of the table whose rows change. */
  table: string;
  verb: 'UPDATE' | 'DELETE' | 'INSERT ... SELECT';
}

/**
 * The table an UPDATE or DELETE without WHERE changes (every row), or an INSERT ... SELECT fills
 * from a query with no WHERE or LIMIT (every row of its source); undefined for anything else.
 */
export function unboundedChange(statement: LintStatement): DataChange | undefined {
  const { kind, body } = statement;
  if (kind === 'UpdateStmt' || kind === 'DeleteStmt') {
    const table = body.whereClause === undefined ? relationKey(body.relation) : undefined;
    return table ? { table, verb: kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE' } : undefined;
  }
  if (kind === 'InsertStmt') {
    const table = relationKey(body.relation);
    const select = bodyOf(body.selectStmt, 'SelectStmt');
    return table && select && unboundedQuery(select) ? { table, verb: 'INSERT ... SELECT' } : undefined;
  }
  return undefined;
}

/** A SELECT that reads a table with neither WHERE nor LIMIT (for a UNION, in any branch). VALUES lists and `SELECT 1` are bounded. */
function unboundedQuery(select: SelectStmt): boolean {
  const limit = bodyOf(select.limitCount, 'A_Const');
  if (select.limitCount !== undefined && limit?.isnull !== true) return false; // LIMIT ALL is no limit
  if (select.op !== undefined && select.op !== 'SETOP_NONE') {
    return [select.larg, select.rarg].some((branch) => branch !== undefined && unboundedQuery(branch));
  }
  return list(select.fromClause).length > 0 && select.whereClause === undefined;
}
