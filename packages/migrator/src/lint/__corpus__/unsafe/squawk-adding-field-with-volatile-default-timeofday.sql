-- expect: adding-volatile-default
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://squawkhq.com/docs/adding-field-with-default (a VOLATILE default is computed for every existing row, rewriting the table; timeofday() is VOLATILE, pg_proc.provolatile = 'v')
ALTER TABLE "orders" ADD COLUMN "seen_at" text DEFAULT timeofday();
