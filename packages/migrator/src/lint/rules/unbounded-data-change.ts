import { bodyOf, list, relationOf } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';
import { displayName, identLike, relationCreatedInFile, relationText, sqlTokens, STEPS } from './breaking-helpers.js';
import { unboundedChange } from './data-change-helpers.js';

/**
 * An UPDATE or DELETE without WHERE touches every row in the migration's transaction: each row
 * stays locked until the migration commits, so the running app's writes to any of them wait (and
 * its lock_timeout-less queries pile up), every updated row leaves a dead copy behind (bloat until
 * VACUUM), and a DELETE loses the data. Batches that commit one by one avoid all three.
 * https://www.postgresql.org/docs/current/sql-update.html
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 */
export const unboundedDataChange = {
  id: 'unbounded-data-change',
  severity: 'error',
  hazard: 'database',
  title: 'UPDATE or DELETE of every row in a migration',
  check(context) {
    const { statement } = context;
    // INSERT ... SELECT only writes new rows, which the running app cannot see until commit.
    const change = unboundedChange(statement);
    if (!change || change.verb === 'INSERT ... SELECT' || relationCreatedInFile(context, change.table)) return undefined;
    const { table } = change;
    const update = change.verb === 'UPDATE';
    const name = displayName(table);
    const userText = relationText(statement.sql, table) ?? name;
    const id = identLike('id', userText);
    const alias = relationOf(statement)?.alias?.aliasname;
    const joined = statement.kind === 'UpdateStmt' ? statement.body.fromClause : statement.kind === 'DeleteStmt' ? statement.body.usingClause : undefined;
    // With FROM/USING or an alias, the outer `id` must say which table it belongs to.
    const outer = alias ? `${identLike(alias, userText)}.${id}` : joined ? `${userText}.${id}` : id;
    const batch = `${outer} IN (SELECT ${id} FROM ${userText}${update ? ' WHERE <condition>' : ''} LIMIT 10000)`;
    const target = bodyOf(list(statement.kind === 'UpdateStmt' ? statement.body.targetList : undefined)[0], 'ResTarget')?.name;
    const firstTarget = typeof target === 'string' ? identLike(target, userText) : '...';
    const batched = statementSql(withWhere(statement.sql, batch));
    return {
      message: update
        ? `This UPDATE changes every row of ${name} in one transaction: each row stays locked until the migration commits, so the running app's writes to them wait, and every row leaves a dead copy behind (table bloat).`
        : `This DELETE removes every row of ${name}, and keeps each one locked until the migration commits, so the running app's writes to them wait.`,
      lock: describeLock('ROW EXCLUSIVE', name),
      help: update
        ? `Instead, backfill in batches by primary key, in ${STEPS.separateMigration}, each batch in its own transaction: \`${batched}\`, repeated until it updates no rows (<condition> picks the rows not done yet, e.g. \`${firstTarget} IS NULL\`).`
        : `Instead, back up the rows (${STEPS.backup}), then delete them in batches by primary key, in ${STEPS.separateMigration}, each batch in its own transaction: \`${batched}\`, repeated until it deletes no rows.`,
    };
  },
} satisfies LintRule;

/** The statement with `WHERE condition` added at its end, before a top-level RETURNING. */
function withWhere(sql: string, condition: string): string {
  let depth = 0;
  for (const token of sqlTokens(sql)) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (depth === 0 && token.keyword && token.upper === 'RETURNING') {
      return `${sql.slice(0, token.start)}WHERE ${condition} ${sql.slice(token.start)}`;
    }
  }
  return `${sql.replace(/[\s;]+$/, '')} WHERE ${condition}`;
}
