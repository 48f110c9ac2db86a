-- expect: none
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ALTER COLUMN "status" DROP DEFAULT;
--> statement-breakpoint
ALTER TABLE "auth"."users" ALTER COLUMN "email" DROP NOT NULL;
