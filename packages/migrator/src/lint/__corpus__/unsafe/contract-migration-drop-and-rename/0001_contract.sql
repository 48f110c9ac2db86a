-- expect: dropping-column (error), renaming-column (error)
-- history: 0000_init.sql
ALTER TABLE "auth"."users" DROP COLUMN "phone_number";
--> statement-breakpoint
ALTER TABLE "auth"."users" RENAME COLUMN "status" TO "state";
