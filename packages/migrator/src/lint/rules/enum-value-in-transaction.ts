import { nameList } from '../../sql/ast.js';
import { insertAfter, statementSql } from '../rewrite.js';
import type { LintRule, LintStatement, RuleContext } from '../types.js';
import { endsTransactionBlock, objectCreatedInFile, positionOf, topLevelOf, usesValue } from './breaking-helpers.js';

/**
 * ALTER TYPE ... ADD VALUE inside a transaction block: since PostgreSQL 12 it runs, but the new
 * value cannot be used until that transaction commits ("unsafe use of new enum value"); before
 * 12 it cannot run in a transaction block at all. Either way the exception is an enum type
 * created in the same transaction. Without BEGIN or a DO block, `sdk db migrate` commits the ADD
 * VALUE on its own when a later statement uses the value (sql/classify.ts, addValueReason).
 * https://www.postgresql.org/docs/current/sql-altertype.html#SQL-ALTERTYPE-NOTES
 */
export const enumValueInTransaction = {
  id: 'enum-value-in-transaction',
  severity: 'error',
  hazard: 'database',
  title: 'Adding an enum value inside a transaction block',
  kinds: ['AlterEnumStmt'],
  check(context) {
    const { statement, pgVersion } = context;
    if (statement.kind !== 'AlterEnumStmt' || statement.body.oldVal !== undefined || typeof statement.body.newVal !== 'string') return undefined;
    const value = statement.body.newVal;
    const qualifiedType = nameList(statement.body.typeName);
    if (objectCreatedInFile(context, 'type', qualifiedType)) return undefined;
    const type = qualifiedType.replace(/^public\./, '');
    const explicit = topLevelOf(context).inTransactionBlock;
    const where = statement.embeddedIn ? 'the DO block around it' : 'the BEGIN of this file';
    const literal = `'${value.replace(/'/g, "''")}'`;
    const standalone = statementSql(statement.body.skipIfNewValExists ? statement.sql : insertAfter(statement.sql, ['ADD', 'VALUE'], 'IF NOT EXISTS') ?? statement.sql);
    const outOfBlock = statement.embeddedIn
      ? `Move the ADD VALUE out of the DO block, as a statement of its own: \`${standalone}\` (IF NOT EXISTS replaces the block's duplicate_object handler)`
      : 'Remove the BEGIN/COMMIT around it (the runner already runs each migration in a transaction)';

    if (pgVersion < 12) {
      if (!statement.inTransactionBlock && !statement.transactional) return undefined;
      const inside = statement.inTransactionBlock ? where : "the migration's transaction (`sdk db migrate` runs it alone only when a later statement of the file uses the value)";
      return {
        message: `PostgreSQL ${pgVersion} refuses ALTER TYPE ... ADD VALUE inside a transaction block, and adding ${literal} to ${type} runs inside ${inside}: the migration fails with "ALTER TYPE ... ADD cannot run inside a transaction block".`,
        help: `Run \`${standalone}\` outside any transaction before this migration (psql in autocommit mode) and remove it from the file, or upgrade to PostgreSQL 12+, which runs it inside a transaction.`,
      };
    }

    if (!statement.inTransactionBlock) return undefined;
    const user = laterUse(context, value, explicit);
    if (!user) return undefined;
    return {
      message: `Adding ${literal} to ${type} inside ${where} makes line ${user.line} fail with "unsafe use of new enum value": a transaction cannot use an enum value it added until it commits.`,
      help: `${outOfBlock}; \`sdk db migrate\` then commits the ADD VALUE on its own before the statements that use ${literal}.`,
    };
  },
} satisfies LintRule;

/**
 * The first later statement of the same transaction that uses the value: up to the COMMIT of an
 * explicit block, else as far as the runner's transaction goes.
 */
function laterUse(context: RuleContext, value: string, explicit: boolean): LintStatement | undefined {
  const { statement, statements } = context;
  for (const later of statements.slice(positionOf(context) + 1)) {
    if (explicit ? endsTransactionBlock(later) : later.transaction !== statement.transaction) return undefined;
    if (later.kind !== 'TransactionStmt' && usesValue(later, value)) return later;
  }
  return undefined;
}
