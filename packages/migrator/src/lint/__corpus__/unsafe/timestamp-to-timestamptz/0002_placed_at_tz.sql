-- expect: changing-column-type
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ALTER COLUMN "placed_at" SET DATA TYPE timestamp with time zone;
