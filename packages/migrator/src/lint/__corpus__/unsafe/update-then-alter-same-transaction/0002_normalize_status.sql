-- expect: schema-change-after-data-change, unbounded-data-change
-- history: 0000_init.sql, 0001_orders.sql
UPDATE "orders" SET "status" = lower("status");
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_status_lower_check" CHECK ("status" = lower("status")) NOT VALID;
