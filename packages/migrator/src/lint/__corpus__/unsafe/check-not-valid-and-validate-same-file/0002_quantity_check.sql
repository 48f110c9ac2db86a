-- expect: validating-in-same-transaction
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD CONSTRAINT "orders_quantity_positive" CHECK ("quantity" > 0) NOT VALID;
--> statement-breakpoint
ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_quantity_positive";
