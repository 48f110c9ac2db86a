-- expect: none
ALTER TYPE "public"."order_status" ADD VALUE 'cancelled' BEFORE 'shipped';
--> statement-breakpoint
UPDATE "orders" SET "status" = 'cancelled' WHERE "cancelled_at" IS NOT NULL;
