-- expect: none
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "auth"."users" DROP CONSTRAINT "users_phone_number_not_null";
