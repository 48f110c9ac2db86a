-- expect: none
-- history: 0000_init.sql
CREATE TYPE "public"."plan" AS ENUM('free', 'pro');
--> statement-breakpoint
ALTER TABLE "auth"."users" ADD COLUMN "plan" "plan";
