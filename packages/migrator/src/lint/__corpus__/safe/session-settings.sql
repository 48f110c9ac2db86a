-- expect: none
SET lock_timeout = '3s';
--> statement-breakpoint
SET statement_timeout = '30s';
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "carrier" text;
