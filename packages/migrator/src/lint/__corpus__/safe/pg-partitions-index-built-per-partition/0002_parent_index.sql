-- expect: none
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE (build each partition's index CONCURRENTLY, create the parent's index ON ONLY, then ATTACH each partition's index: the last two steps only change the catalog)
CREATE INDEX "events_occurred_at_idx" ON ONLY "events" USING btree ("occurred_at");
--> statement-breakpoint
ALTER INDEX "events_occurred_at_idx" ATTACH PARTITION "events_default_occurred_at_idx";
--> statement-breakpoint
ALTER INDEX "events_occurred_at_idx" ATTACH PARTITION "events_2024_occurred_at_idx";
