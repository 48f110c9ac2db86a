import { qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident } from '../rewrite.js';
import type { LintRule } from '../types.js';
import { OwnStatement, sqlNames } from './rewrites-helpers.js';

/**
 * CLUSTER writes a copy of the table sorted by an index and rebuilds every index, holding ACCESS
 * EXCLUSIVE throughout. The order is not kept for rows written later. Without a table name it
 * reclusters every table of the database that was clustered before.
 * https://www.postgresql.org/docs/current/sql-cluster.html
 */
export const clusteringTable = {
  id: 'clustering-table',
  severity: 'error',
  hazard: 'database',
  title: 'CLUSTER',
  kinds: ['ClusterStmt'],
  check({ statement, isNewTable }) {
    if (statement.kind !== 'ClusterStmt') return undefined;
    const relation = statement.body.relation;
    if (!relation) {
      return {
        message: 'CLUSTER without a table rewrites every table of the database that was clustered before, one after another, each while every query on it waits.',
        lock: `${describeLock('ACCESS EXCLUSIVE', 'each clustered table in turn')} until its copy is written`,
        help: 'Instead, reorder the tables that need it online with pg_repack (`pg_repack --table=...`), which orders the rows by the clustered index and holds ACCESS EXCLUSIVE only briefly at the start and the end.',
      };
    }
    if (isNewTable(relationKey(relation))) return undefined;
    const name = qualified(relation);
    const own = OwnStatement.of(statement.sql, statement.node);
    const table = sqlNames(own, own?.rangeVar ?? relation).table;
    const index = typeof statement.body.indexname === 'string' ? statement.body.indexname : undefined;
    const mark = index ? `mark the index, which only changes the catalog: \`ALTER TABLE ${table} CLUSTER ON ${ident(index)};\`, then ` : '';
    return {
      message: `CLUSTER rewrites ${name} in the order of ${index ? `index ${index}` : 'its clustered index'} and rebuilds its indexes while every query on ${name} waits, which takes minutes on a big table; rows written later do not keep that order.`,
      lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the copy is written`,
      help: `Instead, ${mark}reorder the table online with pg_repack (\`pg_repack --table=${name}\`), which orders the rows by the clustered index and holds ACCESS EXCLUSIVE only briefly at the start and the end.`,
    };
  },
} satisfies LintRule;
