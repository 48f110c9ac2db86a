-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE numeric(14, 2);
