import { qualified, relationKey } from '../../sql/ast.js';
import { chooseIndexName } from '../../sql/index-name.js';
import { insertAfter, statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';
import { identLike, relationText } from './breaking-helpers.js';

/**
 * CREATE INDEX CONCURRENTLY commits the new index's catalog entry before it builds it, so a build
 * that fails (a duplicate for a UNIQUE index, a deadlock, a lock or statement timeout, a killed
 * session) leaves the index behind marked INVALID: it slows every write and serves no query.
 * Without a name in the statement, PostgreSQL picks the first free one of `t_v_idx`, `t_v_idx1`,
 * ... (ChooseRelationName), so each retry builds under a new name next to the last one's
 * leftover, and nothing in the migration says which name to look for (issue 9, item 1).
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
export const unnamedConcurrentIndex = {
  id: 'unnamed-concurrent-index',
  severity: 'warning',
  hazard: 'database',
  title: 'Creating an index concurrently without a name',
  kinds: ['IndexStmt'],
  check({ statement }) {
    if (statement.kind !== 'IndexStmt' || !statement.body.concurrent || typeof statement.body.idxname === 'string') return undefined;
    // Inside a DO block the build cannot run at all; concurrently-in-transaction reports that.
    if (statement.embeddedIn) return undefined;
    const name = chooseIndexName(statement.body);
    if (!name) return undefined;
    const table = qualified(statement.body.relation);
    const quoted = identLike(name, relationText(statement.sql, relationKey(statement.body.relation)));
    const named = insertAfter(statement.sql, ['CONCURRENTLY'], quoted);
    return {
      message:
        `This concurrent index has no name. If its build fails or times out, PostgreSQL leaves an INVALID index behind that slows every write to ${table}, ` +
        `and each retry picks the next free name (${name}, then ${chooseIndexName(statement.body, 1)}, ...), so leftovers are hard to find and a rerun cannot tell its own leftover from another index. ` +
        '`sdk db migrate` names the index before running it, with the name PostgreSQL would choose, but that name depends on what else exists in the schema.',
      help: named
        ? `Give it a name: \`${statementSql(named)}\` (the name PostgreSQL would pick; any name not yet taken in the schema works), so a failed build's leftover has a known name and \`sdk db migrate\` drops and rebuilds it.`
        : `Give it a name right after CONCURRENTLY, for example ${quoted} (the name PostgreSQL would pick), so a failed build's leftover has a known name and \`sdk db migrate\` drops and rebuilds it.`,
    };
  },
} satisfies LintRule;
