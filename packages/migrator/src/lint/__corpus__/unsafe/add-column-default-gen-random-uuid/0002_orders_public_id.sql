-- expect: adding-volatile-default
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;
