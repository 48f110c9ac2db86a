-- expect: none
ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total" >= 0) NOT VALID;
