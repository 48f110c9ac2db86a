-- expect: dropping-column (warning), renaming-column (warning)
-- history: 0000_init.sql
-- sdk:phase contract
ALTER TABLE "auth"."users" DROP COLUMN "phone_number";
--> statement-breakpoint
ALTER TABLE "auth"."users" RENAME COLUMN "status" TO "state";
