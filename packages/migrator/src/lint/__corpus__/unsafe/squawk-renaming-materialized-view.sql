-- expect: renaming-table
-- source: https://squawkhq.com/docs/renaming-table (a renamed relation breaks every query of the running application that names it; materialized views too: https://www.postgresql.org/docs/current/sql-altermaterializedview.html)
ALTER MATERIALIZED VIEW "order_totals" RENAME TO "order_sums";
