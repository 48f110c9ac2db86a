-- expect: creating-index-non-concurrently
-- history: 0000_init.sql
CREATE INDEX "users_status_idx" ON "auth"."users" USING btree ("status");
