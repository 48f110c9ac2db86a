-- expect: none
-- history: 0000_init.sql
CREATE TABLE "audit_log" ("id" serial PRIMARY KEY NOT NULL, "note" text); CREATE INDEX "users_status_idx" ON "auth"."users" USING btree ("status"); -- sdk-lint-ignore creating-index-non-concurrently: auth.users holds a few hundred rows
