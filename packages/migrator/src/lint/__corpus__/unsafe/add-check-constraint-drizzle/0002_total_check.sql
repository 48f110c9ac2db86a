-- expect: adding-check-constraint
ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total" >= 0);
