import { qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { afterRelationName, ident, insertAfter, statementSql, tableSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatementOf } from '../types.js';

/**
 * CREATE INDEX without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE
 * and DELETE on the table waits, for minutes on a big table.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
export const creatingIndexNonConcurrently = {
  id: 'creating-index-non-concurrently',
  severity: 'error',
  hazard: 'database',
  title: 'Creating an index without CONCURRENTLY',
  check({ statement, isNewTable, knowledge }) {
    if (statement.kind !== 'IndexStmt' || statement.body.concurrent) return undefined;
    const table = relationKey(statement.body.relation);
    if (isNewTable(table)) return undefined;
    const partitions = table ? knowledge.partitioned.get(table) : undefined;
    if (partitions) return partitionedIndex(statement, [...partitions]);
    const safe = insertAfter(statement.sql, ['INDEX'], 'CONCURRENTLY');
    return {
      message: `Building this index blocks every write to ${qualified(statement.body.relation)} until the build ends, which takes minutes on a big table.`,
      lock: describeLock('SHARE', qualified(statement.body.relation)),
      help: `Build it without blocking writes: \`${statementSql(safe ?? statement.sql)}\` (the runner runs it outside a transaction and rebuilds it if a failed build leaves it INVALID).`,
    };
  },
} satisfies LintRule;

/**
 * PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table; a plain CREATE INDEX on it
 * builds the index on every partition under SHARE locks. The safe way: an invalid index on the
 * parent only, each partition's index built concurrently, then attached; the parent's index
 * becomes valid when the last one is attached.
 * https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE
 */
function partitionedIndex(statement: LintStatementOf<'IndexStmt'>, partitions: string[]): Finding {
  const table = qualified(statement.body.relation);
  const index = statement.body.idxname;
  const lock = describeLock('SHARE', `${table} and each of its partitions`);
  const message = `Building this index on partitioned table ${table} blocks every write to each partition until its part of the build ends.`;
  const parentOnly = insertAfter(statement.sql, ['ON'], 'ONLY');
  const rest = afterRelationName(statement.sql, 'ON');
  if (!index || !parentOnly || rest === undefined) {
    return { message, lock, help: 'Instead, name the index, create it `ON ONLY` the parent, build each partition\'s index with CREATE INDEX CONCURRENTLY, and attach each one with `ALTER INDEX ... ATTACH PARTITION`.' };
  }
  const each = partitions.length > 0 ? partitions : ['<partition>'];
  const name = (partition: string) => ident(`${index}_${partition.slice(partition.indexOf('.') + 1)}`.slice(0, 63));
  const unique = statement.body.unique ? 'UNIQUE ' : '';
  return {
    message,
    lock,
    help: [
      'Instead (CREATE INDEX CONCURRENTLY cannot run on a partitioned table):',
      `1. \`${statementSql(parentOnly)}\` (instant: the parent's index starts INVALID)`,
      `2. For each partition: ${each.map((p) => `\`CREATE ${unique}INDEX CONCURRENTLY ${name(p)} ON ${tableSql(p)}${rest};\``).join(', ')}`,
      `3. Attach each one: ${each.map((p) => `\`ALTER INDEX ${ident(index)} ATTACH PARTITION ${name(p)};\``).join(', ')} (the parent's index is valid once every partition has one)`,
    ].join('\n'),
  };
}
