-- expect: locking-table
LOCK TABLE "orders" IN ACCESS EXCLUSIVE MODE;
--> statement-breakpoint
UPDATE "orders" SET "status" = 'cancelled' WHERE "status" = 'abandoned';
