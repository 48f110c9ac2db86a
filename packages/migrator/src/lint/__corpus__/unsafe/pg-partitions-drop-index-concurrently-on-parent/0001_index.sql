CREATE INDEX "events_occurred_at_idx" ON "events" USING btree ("occurred_at");
