import { addIndex, namedIndex, type AddIndexInput } from '../../operations/add-index.js';
import { list, qualified, relationKey } from '../../sql/ast.js';
import { chooseIndexName } from '../../sql/index-name.js';
import { describeLock } from '../locks.js';
import { afterRelationName, ident, insertAfter, removeWords, statementSql, tableSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatementOf } from '../types.js';
import { newCommand, planHelp, tableOfKey } from './operation-helpers.js';
import { OwnStatement } from './rewrites-helpers.js';

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
  kinds: ['IndexStmt'],
  check({ statement, isNewTable, knowledge }) {
    if (statement.kind !== 'IndexStmt') return undefined;
    const table = relationKey(statement.body.relation);
    const partitions = table ? knowledge.partitioned.get(table) : undefined;
    // PostgreSQL refuses CONCURRENTLY on a partitioned table, new or not (with ONLY too): the
    // migration stops there. The help is the same partition-by-partition recipe.
    if (statement.body.concurrent) return partitions ? partitionedIndex(statement, [...partitions]) : undefined;
    if (isNewTable(table)) return undefined;
    // `ON ONLY` a partitioned table builds nothing: the parent's index is created INVALID and
    // becomes valid once each partition's index (built CONCURRENTLY) is attached. On a plain
    // table ONLY changes nothing, so the build happens. (sql-createindex.html, "ONLY"; the parse
    // tree leaves `inh` out, rather than false, for ONLY.)
    if (partitions && statement.body.relation?.inh !== true) return undefined;
    if (partitions) return partitionedIndex(statement, [...partitions]);
    const safe = insertAfter(statement.sql, ['INDEX'], 'CONCURRENTLY');
    const index = table ? indexInput(statement) : undefined;
    return {
      message: `Building this index blocks every write to ${qualified(statement.body.relation)} until the build ends, which takes minutes on a big table.`,
      lock: describeLock('SHARE', qualified(statement.body.relation)),
      help:
        table && index
          ? addIndexRecipe(table, index)
          : `Build it without blocking writes: \`${statementSql(safe ?? statement.sql)}\` (the runner runs it outside a transaction and rebuilds it if a failed build leaves it INVALID).`,
    };
  },
} satisfies LintRule;

/**
 * The add-index operation's plan: the index built CONCURRENTLY, named (the statement's name, or
 * the one PostgreSQL would choose), in a migration of its own.
 */
function addIndexRecipe(key: string, { input, named }: { input: AddIndexInput & { name: string }; named: boolean }): string {
  const table = tableOfKey(key);
  return planHelp({
    intro: 'Build it without blocking writes',
    plan: addIndex.plan(namedIndex(table, input, input.name)),
    command: newCommand('add-index', table, [], { columns: input.columns, unique: input.unique || undefined, using: input.using, where: input.where, 'index-name': named ? input.name : undefined }),
    notes: ['The runner rebuilds it if a failed build leaves it INVALID.'],
  });
}

/**
 * The add-index input of a CREATE INDEX, its parts as the statement writes them; undefined when
 * the statement has what add-index does not write (INCLUDE, WITH, TABLESPACE, NULLS NOT
 * DISTINCT, ON ONLY): the help is then the statement with CONCURRENTLY.
 */
function indexInput(statement: LintStatementOf<'IndexStmt'>): { input: AddIndexInput & { name: string }; named: boolean } | undefined {
  const { body } = statement;
  if (list(body.indexIncludingParams).length > 0 || list(body.options).length > 0 || body.tableSpace || body.nulls_not_distinct || body.relation?.inh !== true) return undefined;
  const own = OwnStatement.of(statement.sql, statement.node);
  const rest = afterRelationName(statement.sql, 'ON');
  if (!own || rest === undefined) return undefined;
  const after = statement.sql.length - rest.length;
  const method = /^\s*USING\s+("[^"]+"|\w+)/i.exec(rest)?.[1];
  const columns = own.parenthesized(after)?.slice(1, -1).trim();
  const at = own.keywordAfter(after, 'WHERE');
  const from = at === undefined ? undefined : own.nextToken(at);
  const where = from === undefined ? undefined : own.sql.slice(from).replace(/;\s*$/, '').trim();
  const name = typeof body.idxname === 'string' ? body.idxname : chooseIndexName(body);
  if (!columns || !name || (at !== undefined && !where)) return undefined;
  return { input: { table: '', columns, name, unique: body.unique === true, using: method, where }, named: typeof body.idxname === 'string' };
}

/**
 * PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table (sql-createindex.html: "Concurrent
 * builds for indexes on partitioned tables are currently not supported"); a plain CREATE INDEX on it
 * builds the index on every partition under SHARE locks. The safe way: an invalid index on the
 * parent only, each partition's index built concurrently, then attached; the parent's index
 * becomes valid when the last one is attached.
 * https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE
 */
function partitionedIndex(statement: LintStatementOf<'IndexStmt'>, partitions: string[]): Finding {
  const table = qualified(statement.body.relation);
  const index = statement.body.idxname;
  const concurrent = statement.body.concurrent === true;
  const lock = concurrent ? undefined : describeLock('SHARE', `${table} and each of its partitions`);
  const message = concurrent
    ? `CREATE INDEX CONCURRENTLY on partitioned table ${table} fails: PostgreSQL cannot build an index on a partitioned table concurrently, so the migration stops here.`
    : `Building this index on partitioned table ${table} blocks every write to each partition until its part of the build ends.`;
  const plain = concurrent ? removeWords(statement.sql, ['CONCURRENTLY']) : statement.sql;
  const parentOnly = plain === undefined ? undefined : statement.body.relation?.inh === true ? insertAfter(plain, ['ON'], 'ONLY') : plain;
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
