-- expect: creating-index-non-concurrently (error), dropping-column (warning)
-- history: 0000_init.sql
-- sdk:phase contract
ALTER TABLE "auth"."users" DROP COLUMN "phone_number";
--> statement-breakpoint
CREATE INDEX "users_created_at_idx" ON "auth"."users" USING btree ("created_at");
