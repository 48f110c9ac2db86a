-- expect: adding-required-column
-- history: 0000_init.sql
CREATE TYPE "public"."user_role" AS ENUM('member', 'admin');
--> statement-breakpoint
ALTER TABLE "auth"."users" ADD COLUMN "role" "user_role" NOT NULL;
