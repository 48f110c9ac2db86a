-- expect: enum-value-in-transaction
DO $$ BEGIN
 ALTER TYPE "public"."order_status" ADD VALUE 'refunded';
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
UPDATE "orders" SET "status" = 'refunded' WHERE "refunded_at" IS NOT NULL;
