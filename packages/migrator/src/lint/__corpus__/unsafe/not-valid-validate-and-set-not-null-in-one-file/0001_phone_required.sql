-- expect: validating-in-same-transaction
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_phone_number_not_null" CHECK ("phone_number" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_phone_number_not_null";
--> statement-breakpoint
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
