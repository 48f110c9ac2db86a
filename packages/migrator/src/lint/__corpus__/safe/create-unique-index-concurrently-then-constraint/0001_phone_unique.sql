-- expect: none
-- history: 0000_init.sql
CREATE UNIQUE INDEX CONCURRENTLY "users_phone_number_idx" ON "auth"."users" ("phone_number");
--> statement-breakpoint
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_phone_number_unique" UNIQUE USING INDEX "users_phone_number_idx";
