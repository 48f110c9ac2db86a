-- expect: unbounded-data-change
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://github.com/ankane/strong_migrations#backfilling-data and https://kaveland.no/eugene/hints/E4/ (the UPDATE runs in the transaction that took ACCESS EXCLUSIVE for ADD COLUMN, so the table stays locked until every row is written)
ALTER TABLE "orders" ADD COLUMN "channel" text;
--> statement-breakpoint
UPDATE "orders" SET "channel" = 'web';
