import { qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { insertAfter, removeWords, statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';

/**
 * REFRESH MATERIALIZED VIEW recomputes the view into a new file under ACCESS EXCLUSIVE: every
 * query on the view waits for the whole recomputation. CONCURRENTLY computes the new contents
 * beside the old ones under EXCLUSIVE (reads continue) and needs a unique index on the view.
 * WITH NO DATA empties the view: queries on it fail until it is refreshed again. CONCURRENTLY
 * fails on a view that is not populated (created WITH NO DATA, or refreshed WITH NO DATA, and not
 * refreshed since); populating such a view without CONCURRENTLY blocks no query that could succeed.
 * https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html
 */
export const refreshingMaterializedView = {
  id: 'refreshing-materialized-view',
  severity: 'error',
  hazard: 'database',
  title: 'Refreshing a materialized view without CONCURRENTLY',
  kinds: ['RefreshMatViewStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'RefreshMatViewStmt') return undefined;
    const relation = statement.body.relation;
    const key = relationKey(relation);
    const name = qualified(relation);
    const view = relation?.relname ?? name;
    if (statement.body.concurrent && !statement.body.skipData && key && context.knowledge.unpopulated.has(key)) {
      const plain = removeWords(statement.sql, ['CONCURRENTLY']);
      const fresh = context.isNewTable(key);
      return {
        message: `REFRESH ... CONCURRENTLY fails on ${name}: the view was created WITH NO DATA (or refreshed WITH NO DATA) and has not been populated since, and PostgreSQL rejects it with "CONCURRENTLY cannot be used when the materialized view is not populated".`,
        help: fresh
          ? `Populate it without CONCURRENTLY: \`${statementSql(plain ?? statement.sql)}\` (the view is new in this migration, so nothing reads it yet), or create it WITH DATA.`
          : `Populate it once without CONCURRENTLY: \`${statementSql(plain ?? statement.sql)}\` (queries on the view fail anyway until it is populated); later refreshes can use CONCURRENTLY.`,
      };
    }
    if (context.isNewTable(key)) return undefined;
    // The only way to populate an unpopulated view: queries on it fail until then anyway.
    if (!statement.body.concurrent && !statement.body.skipData && key && context.knowledge.unpopulated.has(key)) return undefined;
    if (statement.body.skipData) {
      if (statement.body.concurrent) return undefined; // PostgreSQL rejects CONCURRENTLY with WITH NO DATA
      const withData = removeWords(statement.sql, ['WITH', 'NO', 'DATA']);
      const concurrently = withData ? insertAfter(withData, ['MATERIALIZED', 'VIEW'], 'CONCURRENTLY') : undefined;
      return {
        message: `REFRESH ... WITH NO DATA empties ${name} and marks it unpopulated: every query on it then fails with "materialized view "${view}" has not been populated" until a refresh with data fills it again.`,
        lock: describeLock('ACCESS EXCLUSIVE', name),
        help:
          `To recompute it while queries keep reading the old contents, refresh it with data instead${concurrently ? `: \`${statementSql(concurrently)}\`` : ' and CONCURRENTLY'} (needs a unique index on the view). ` +
          'To retire the view, first deploy the application version that no longer reads it, then drop it in a contract migration.',
      };
    }
    if (statement.body.concurrent) return undefined;
    const safe = insertAfter(statement.sql, ['MATERIALIZED', 'VIEW'], 'CONCURRENTLY');
    return {
      message: `Refreshing ${name} without CONCURRENTLY recomputes the whole view while every query on it waits, for as long as the view's query runs.`,
      lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the refresh ends`,
      help:
        `Refresh it while queries keep reading the old contents: \`${statementSql(safe ?? statement.sql)}\`. ` +
        `CONCURRENTLY needs a unique index on the view covering all rows (\`CREATE UNIQUE INDEX CONCURRENTLY ... ON ${name} (...)\`) and a view that is already populated; ` +
        'only other refreshes of the view wait.',
    };
  },
} satisfies LintRule;
