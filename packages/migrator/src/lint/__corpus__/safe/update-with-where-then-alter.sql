-- expect: none
UPDATE "orders" SET "status" = 'cancelled' WHERE "status" = 'abandoned';
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_status_check" CHECK ("status" <> 'abandoned') NOT VALID;
