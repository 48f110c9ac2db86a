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

  describe('a view that is not populated', () => {
    const unpopulated = 'CREATE MATERIALIZED VIEW "order_counts" AS (SELECT 1 AS "n") WITH NO DATA;';

    it('reports CONCURRENTLY on a view created WITH NO DATA by an earlier migration, which fails', () => {
      const sql = 'REFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";';
      expect(rendered(sql, lint(sql, [unpopulated]))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  refreshing-materialized-view
          REFRESH ... CONCURRENTLY fails on order_counts: the view was created WITH NO DATA (or refreshed WITH NO DATA) and has not been populated since, and PostgreSQL rejects it with "CONCURRENTLY cannot be used when the materialized view is not populated".
          1 | REFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";
            | ^
          help: Populate it once without CONCURRENTLY: \`REFRESH MATERIALIZED VIEW "order_counts";\` (queries on the view fail anyway until it is populated); later refreshes can use CONCURRENTLY."
      `);
    });

    it('reports it for a view created earlier in the same file', () => {
      const sql = `${unpopulated}\nREFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";`;
      expect(lint(sql)).toMatchObject([{ line: 2, message: expect.stringContaining('CONCURRENTLY fails on order_counts') }]);
      expect(lint(sql)[0]?.help).toContain('nothing reads it yet');
    });

    it('accepts the refresh that populates it, and CONCURRENTLY after it', () => {
      expect(lint('REFRESH MATERIALIZED VIEW "order_counts";', [unpopulated])).toEqual([]);
      expect(lint('REFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";', [unpopulated, 'REFRESH MATERIALIZED VIEW "order_counts";'])).toEqual([]);
      expect(lint('REFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";', ['CREATE MATERIALIZED VIEW "order_counts" AS (SELECT 1 AS "n");'])).toEqual([]);
    });

    it('knows REFRESH ... WITH NO DATA unpopulates it, and follows a rename', () => {
      const populated = 'CREATE MATERIALIZED VIEW "order_counts" AS (SELECT 1 AS "n");';
      expect(lint('REFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";', [populated, 'REFRESH MATERIALIZED VIEW "order_counts" WITH NO DATA;'])).toHaveLength(1);
      expect(lint('REFRESH MATERIALIZED VIEW CONCURRENTLY "counts";', [unpopulated, 'ALTER MATERIALIZED VIEW "order_counts" RENAME TO "counts";'])).toHaveLength(1);
    });
  });
});
