CREATE INDEX CONCURRENTLY "events_default_occurred_at_idx" ON "events_default" USING btree ("occurred_at");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "events_2024_occurred_at_idx" ON "events_2024" USING btree ("occurred_at");
