import { optionEnabled, qualified, relationKey, type ReindexObjectType } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, insertAfter, statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';
import { indexOnNewTable, outOfTransactionBlock, relationSql } from './constraints-helpers.js';

const TARGETS: Partial<Record<ReindexObjectType, string>> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

/** Why an ACCESS EXCLUSIVE lock on one index stops queries that do not even use it. */
const PLANNER = 'blocks every query that uses the index, and the planning of nearly every query on the table';

/**
 * REINDEX without CONCURRENTLY holds a SHARE lock on the table (no writes) and ACCESS EXCLUSIVE
 * on each index while it is rebuilt; the planner takes a lock on every index of a table it plans
 * a query for, so in practice nearly every query on the table waits too. REINDEX CONCURRENTLY
 * (PostgreSQL 12+) builds a new copy next to the old one without blocking reads or writes.
 * https://www.postgresql.org/docs/current/sql-reindex.html#SQL-REINDEX-CONCURRENTLY
 */
export const reindexingNonConcurrently = {
  id: 'reindexing-non-concurrently',
  severity: 'error',
  hazard: 'database',
  title: 'Rebuilding indexes without CONCURRENTLY',
  kinds: ['ReindexStmt'],
  check(context) {
    const { statement, isNewTable, pgVersion } = context;
    if (statement.kind !== 'ReindexStmt') return undefined;
    // Before PostgreSQL 12 CONCURRENTLY is a syntax error: the migration would fail, so it needs the replacement recipe too.
    const concurrently = optionEnabled(statement.body.params, 'concurrently') === true;
    if (concurrently && pgVersion >= 12) return undefined;
    const target = statement.body.kind && TARGETS[statement.body.kind];
    // REINDEX SYSTEM has no CONCURRENTLY: system catalogs cannot be rebuilt that way.
    if (!target) return undefined;
    const relation = statement.body.relation;
    if (target === 'TABLE' && isNewTable(relationKey(relation))) return undefined;
    if (target === 'INDEX' && indexOnNewTable(context, qualified(relation))) return undefined;
    const name = relation ? qualified(relation) : typeof statement.body.name === 'string' ? statement.body.name : 'the current database';
    const subject = target === 'INDEX' ? `index ${name}` : target === 'TABLE' ? `the indexes of ${name}` : `every index in ${target.toLowerCase()} ${name}`;
    const tables = target === 'INDEX' ? 'its table' : target === 'TABLE' ? name : 'each table in turn';
    const lock = target === 'INDEX'
      ? `${describeLock('SHARE', "the index's table")}, and ACCESS EXCLUSIVE lock on ${name} (${PLANNER})`
      : `${describeLock('SHARE', target === 'TABLE' ? name : 'each table in turn')}, and ACCESS EXCLUSIVE lock on each index while it is rebuilt (${PLANNER})`;
    const message = concurrently
      ? `REINDEX ... CONCURRENTLY needs PostgreSQL 12; on PostgreSQL ${pgVersion} this statement is a syntax error and the migration fails.`
      : `Rebuilding ${subject} blocks every write to ${tables} until it ends, and nearly every read too (the planner looks at every index of a table): minutes on a big table.`;
    const outside = statement.inTransactionBlock ? ` It cannot run in a transaction block: ${outOfTransactionBlock(statement)}.` : '';
    if (pgVersion >= 12) {
      const safe = insertAfter(statement.sql, [target], 'CONCURRENTLY') ?? statement.sql;
      return {
        message,
        lock,
        help: `Rebuild without blocking reads or writes: \`${statementSql(safe)}\` (the runner runs it outside a transaction).${outside}`,
      };
    }
    // Before 12: build a copy concurrently and swap it in, index by index.
    const bare = target === 'INDEX' ? (relation?.relname ?? 'i') : 'i';
    const index = target === 'INDEX' ? relationSql(relation) : 'i';
    const fresh = ident(`${bare}_new`);
    // CREATE INDEX names the index without a schema (it goes in its table's); ALTER INDEX needs it.
    const schema = target === 'INDEX' ? relation?.schemaname : undefined;
    const freshQualified = schema ? `${ident(schema)}.${fresh}` : fresh;
    return {
      message,
      lock: concurrently ? undefined : lock,
      help: [
        `REINDEX CONCURRENTLY needs PostgreSQL 12 (this is ${pgVersion}). Instead, build a replacement${target === 'INDEX' ? '' : ` for each index i of ${name}`} and swap it in:`,
        `1. \`CREATE INDEX CONCURRENTLY ${fresh} ON ...;\` with the definition of ${index} (\`SELECT pg_get_indexdef('${index}'::regclass);\` prints it, UNIQUE included)`,
        `2. \`DROP INDEX CONCURRENTLY ${index};\``,
        `3. \`ALTER INDEX ${freshQualified} RENAME TO ${ident(bare)};\``,
        `An index behind a PRIMARY KEY or UNIQUE constraint cannot be dropped on its own: rebuild those at a quiet time, or after moving to PostgreSQL 12.${outside}`,
      ].join('\n'),
    };
  },
} satisfies LintRule;
