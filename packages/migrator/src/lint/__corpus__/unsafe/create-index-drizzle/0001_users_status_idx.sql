-- expect: creating-index-non-concurrently
CREATE INDEX "users_status_idx" ON "auth"."users" USING btree ("status");
