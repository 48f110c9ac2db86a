-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE text;
