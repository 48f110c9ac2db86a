-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://squawkhq.com/docs/adding-field-with-default (PostgreSQL 11+ stores a non-volatile default once; statement_timestamp() is STABLE, pg_proc.provolatile = 's')
ALTER TABLE "orders" ADD COLUMN "recorded_at" timestamp with time zone DEFAULT statement_timestamp() NOT NULL;
