-- expect: none
CREATE TYPE "public"."plan" AS ENUM('free', 'pro');
--> statement-breakpoint
ALTER TABLE "auth"."users" ADD COLUMN "plan" "plan";
