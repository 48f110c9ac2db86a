-- expect: creating-index-non-concurrently
-- history: 0000_init.sql
CREATE SCHEMA "audit";
--> statement-breakpoint
CREATE TABLE "audit"."users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"changed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "users_created_at_idx" ON "auth"."users" USING btree ("created_at");
