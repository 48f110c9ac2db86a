import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { refreshingMaterializedView as rule } from './refreshing-materialized-view.js';

beforeAll(loadParser);

const lint = (sql: string, history?: string[]) => lintSql(sql, { rules: [rule], history });

describe('refreshing-materialized-view', () => {
  it('reports REFRESH without CONCURRENTLY, and adds it', () => {
    const sql = 'REFRESH MATERIALIZED VIEW "reporting"."daily_sales";';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  refreshing-materialized-view
        Refreshing reporting.daily_sales without CONCURRENTLY recomputes the whole view while every query on it waits, for as long as the view's query runs.
        1 | REFRESH MATERIALIZED VIEW "reporting"."daily_sales";
          | ^
        lock: ACCESS EXCLUSIVE lock on reporting.daily_sales (blocks every read and write) until the refresh ends
        help: Refresh it while queries keep reading the old contents: \`REFRESH MATERIALIZED VIEW CONCURRENTLY "reporting"."daily_sales";\`. CONCURRENTLY needs a unique index on the view covering all rows (\`CREATE UNIQUE INDEX CONCURRENTLY ... ON reporting.daily_sales (...)\`) and a view that is already populated; only other refreshes of the view wait."
    `);
  });

  it('explains WITH NO DATA on its own: the view stops answering queries', () => {
    const sql = 'REFRESH MATERIALIZED VIEW daily_sales WITH NO DATA;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  refreshing-materialized-view
        REFRESH ... WITH NO DATA empties daily_sales and marks it unpopulated: every query on it then fails with "materialized view "daily_sales" has not been populated" until a refresh with data fills it again.
        1 | REFRESH MATERIALIZED VIEW daily_sales WITH NO DATA;
          | ^
        lock: ACCESS EXCLUSIVE lock on daily_sales (blocks every read and write)
        help: To recompute it while queries keep reading the old contents, refresh it with data instead: \`REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;\` (needs a unique index on the view). To retire the view, first deploy the application version that no longer reads it, then drop it in a contract migration."
    `);
  });

  it('keeps WITH DATA when adding CONCURRENTLY', () => {
    expect(lint('refresh materialized view daily_sales with data')[0]?.help).toContain('`refresh materialized view CONCURRENTLY daily_sales with data;`');
  });

  it('accepts REFRESH ... CONCURRENTLY', () => {
    expect(lint('REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;')).toEqual([]);
  });

  it('accepts any refresh of a view created earlier in the same file (nothing reads it yet)', () => {
    const sql = 'CREATE MATERIALIZED VIEW "daily_sales" AS SELECT 1 AS one WITH NO DATA;\n--> statement-breakpoint\nREFRESH MATERIALIZED VIEW "public"."daily_sales";';
    expect(lint(sql)).toEqual([]);
  });

  it('reports a view created by an earlier migration', () => {
    expect(lint('REFRESH MATERIALIZED VIEW daily_sales;', ['CREATE MATERIALIZED VIEW daily_sales AS SELECT 1 AS one;'])).toHaveLength(1);
  });

  it('finds the statement inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  REFRESH MATERIALIZED VIEW daily_sales;\nEND $$;')).toMatchObject([{ line: 2, column: 3 }]);
  });
});
