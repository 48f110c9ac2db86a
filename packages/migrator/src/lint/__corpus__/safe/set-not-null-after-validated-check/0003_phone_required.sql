-- expect: none
-- history: 0000_init.sql, 0001_phone_check.sql, 0002_validate_phone.sql
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "auth"."users" DROP CONSTRAINT "users_phone_number_not_null";
