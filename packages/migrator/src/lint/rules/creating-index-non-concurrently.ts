import { qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { insertAfter, statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';

/**
 * CREATE INDEX without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE
 * and DELETE on the table waits, for minutes on a big table.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
export const creatingIndexNonConcurrently = {
  id: 'creating-index-non-concurrently',
  severity: 'error',
  title: 'Creating an index without CONCURRENTLY',
  check({ statement, isNewTable }) {
    if (statement.kind !== 'IndexStmt' || statement.body.concurrent) return undefined;
    const table = relationKey(statement.body.relation);
    if (isNewTable(table)) return undefined;
    const safe = insertAfter(statement.sql, ['INDEX'], 'CONCURRENTLY');
    return {
      message: `Building this index blocks every write to ${qualified(statement.body.relation)} until the build ends, which takes minutes on a big table.`,
      lock: describeLock('SHARE', qualified(statement.body.relation)),
      help: `Build it without blocking writes: \`${statementSql(safe ?? statement.sql)}\` (the runner runs it outside a transaction and rebuilds it if a failed build leaves it INVALID).`,
    };
  },
} satisfies LintRule;
