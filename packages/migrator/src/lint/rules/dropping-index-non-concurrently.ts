import { bodyOf, list, stringValue } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, insertAfter, removeWords, statementSql } from '../rewrite.js';
import type { Finding, LintRule } from '../types.js';
import { indexOnNewTable, outOfTransactionBlock } from './constraints-helpers.js';

/**
 * DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table. The drop itself is
 * quick, but the lock request waits behind every running query on the table, and every query
 * that arrives after it waits behind the request: one long report stalls the whole table.
 * DROP INDEX CONCURRENTLY waits for those queries without blocking anyone.
 * https://www.postgresql.org/docs/current/sql-dropindex.html
 */
export const droppingIndexNonConcurrently = {
  id: 'dropping-index-non-concurrently',
  severity: 'warning',
  hazard: 'database',
  title: 'Dropping an index without CONCURRENTLY',
  kinds: ['DropStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'DropStmt' || statement.body.removeType !== 'OBJECT_INDEX') return undefined;
    const indexes = list(statement.body.objects).map((o) => list(bodyOf(o, 'List')?.items).map((i) => stringValue(i) ?? '?'));
    // Indexes of a partitioned table (known when a CREATE INDEX linted so far made them):
    // PostgreSQL cannot drop those CONCURRENTLY (sql-dropindex.html).
    const partitioned = indexes.map((parts) => context.knowledge.indexTable(parts.length > 1 ? parts.join('.') : `public.${parts[0]}`)).filter((t): t is string => t !== undefined && context.knowledge.partitioned.has(t));
    if (statement.body.concurrent) return partitioned.length > 0 ? concurrentOnPartitioned(statement.sql, partitioned) : undefined;
    // An index this file created on a table it created: both are new, no one queries them yet.
    if (indexes.every((parts) => indexOnNewTable(context, parts.join('.')))) return undefined;
    const shown = indexes.map((parts) => parts.map(ident).join('.')).join(', ');
    const cascade = statement.body.behavior === 'DROP_CASCADE';
    let safe: string;
    if (partitioned.length > 0) {
      safe = `CONCURRENTLY cannot drop an index of a partitioned table (${[...new Set(partitioned)].map(displayKey).join(', ')}), so there is no non-blocking form: keep this statement, which the runner's lock_timeout keeps from queueing for long, and run it when no long query uses the table.`;
    } else if (indexes.length === 1 && !cascade) {
      safe = `Drop it without blocking queries: \`${statementSql(insertAfter(statement.sql, ['INDEX'], 'CONCURRENTLY') ?? statement.sql)}\`; the runner runs it outside a transaction.`;
    } else {
      const ifExists = statement.body.missing_ok ? 'IF EXISTS ' : '';
      const each = indexes.map((parts) => `\`DROP INDEX CONCURRENTLY ${ifExists}${parts.map(ident).join('.')};\``);
      safe = indexes.length > 1
        ? `Drop them without blocking queries, one per statement (CONCURRENTLY takes a single index): ${each.join(' and ')}; the runner runs them outside a transaction.`
        : `Drop it without blocking queries: ${each[0]!}; the runner runs it outside a transaction.`;
    }
    const notes = [
      cascade ? `CONCURRENTLY does not support CASCADE: drop what depends on ${indexes.length > 1 ? 'them' : 'it'} first (a foreign key that uses a unique index, for example).` : '',
      statement.inTransactionBlock && partitioned.length === 0 ? `It cannot run in a transaction block: ${outOfTransactionBlock(statement)}.` : '',
    ].filter(Boolean);
    return {
      message: `Dropping ${indexes.length > 1 ? 'indexes' : 'index'} ${shown} waits for every running query on ${indexes.length > 1 ? 'their tables' : 'its table'} to finish, and every query that arrives meanwhile waits behind it.`,
      lock: describeLock('ACCESS EXCLUSIVE', indexes.length > 1 ? 'the tables of the indexes' : "the index's table"),
      help: [safe, ...notes].join(' '),
    };
  },
} satisfies LintRule;

/** `public.x` -> `x`, `auth.x` as is: a relationKey as messages show it. */
function displayKey(key: string): string {
  return key.startsWith('public.') ? key.slice('public.'.length) : key;
}

/** DROP INDEX CONCURRENTLY of an index of a partitioned table: PostgreSQL refuses it, the migration stops. */
function concurrentOnPartitioned(sql: string, tables: string[]): Finding {
  const shown = [...new Set(tables)].map(displayKey).join(', ');
  const plain = removeWords(sql, ['CONCURRENTLY']) ?? sql;
  return {
    severity: 'error',
    message: `DROP INDEX CONCURRENTLY cannot drop an index of partitioned table ${shown}: PostgreSQL refuses it, so the migration stops here.`,
    help: `Drop it without CONCURRENTLY: \`${statementSql(plain)}\` (it drops each partition's index with it, under a brief ACCESS EXCLUSIVE lock that the runner's lock_timeout bounds), and run it when no long query uses the table.`,
  };
}
