-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD COLUMN "items_count" integer DEFAULT 0 NOT NULL;
