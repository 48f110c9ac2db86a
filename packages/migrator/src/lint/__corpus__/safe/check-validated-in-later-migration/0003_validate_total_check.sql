-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_total_positive";
