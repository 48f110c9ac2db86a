import { bodyOf, optionEnabled } from '../../sql/ast.js';
import { statementSql } from '../rewrite.js';
import type { LintRule, LintStatement } from '../types.js';
import { alterCommands } from './constraints-helpers.js';

/**
 * CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY and DETACH
 * PARTITION ... CONCURRENTLY commit transactions of their own part-way (to wait out the other
 * sessions between phases), so PostgreSQL refuses them inside a transaction block or a function
 * (PreventInTransactionBlock): the migration fails at that statement.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
export const concurrentlyInTransaction = {
  id: 'concurrently-in-transaction',
  severity: 'error',
  hazard: 'database',
  title: 'A CONCURRENTLY statement inside a transaction block or DO block',
  check({ statement }) {
    if (!statement.inTransactionBlock) return undefined;
    const command = concurrentCommand(statement);
    if (!command) return undefined;
    const block = statement.embeddedIn ? 'a DO block' : 'a transaction block (BEGIN ... COMMIT)';
    return {
      message: `PostgreSQL refuses to run ${command} inside ${block}, so the migration fails at this statement.`,
      help: statement.embeddedIn
        ? `Take it out of the DO block and write it as a statement of its own: \`${statementSql(statement.sql)}\`. \`sdk db migrate\` already runs such statements on their own, outside a transaction (use IF EXISTS / IF NOT EXISTS where the DO block caught an error).`
        : 'Remove the surrounding BEGIN/COMMIT: `sdk db migrate` already runs such statements on their own, outside a transaction, and the other statements of the migration in a transaction.',
    };
  },
} satisfies LintRule;

/** `CREATE INDEX CONCURRENTLY` etc. when the statement is one of those, else undefined. */
function concurrentCommand(statement: LintStatement): string | undefined {
  const { kind, body } = statement;
  switch (kind) {
    case 'IndexStmt':
      return body.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
    case 'DropStmt':
      return body.concurrent && body.removeType === 'OBJECT_INDEX' ? 'DROP INDEX CONCURRENTLY' : undefined;
    case 'ReindexStmt':
      return optionEnabled(body.params, 'concurrently') === true ? 'REINDEX ... CONCURRENTLY' : undefined;
    case 'AlterTableStmt':
      return alterCommands(statement).some((cmd) => cmd.subtype === 'AT_DetachPartition' && bodyOf(cmd.def, 'PartitionCmd')?.concurrent === true)
        ? 'DETACH PARTITION ... CONCURRENTLY'
        : undefined;
    default:
      return undefined;
  }
}
