-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total" >= 0) NOT VALID;
