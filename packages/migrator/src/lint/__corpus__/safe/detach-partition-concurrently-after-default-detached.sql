-- expect: none
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION (once the default partition is detached, the parent has none, and DETACH ... CONCURRENTLY runs: SHARE UPDATE EXCLUSIVE on the parent; DETACH scans nothing)
ALTER TABLE "events" DETACH PARTITION "events_default";
--> statement-breakpoint
ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;
