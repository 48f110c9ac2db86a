-- expect: adding-unique-constraint
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html and https://www.postgresql.org/docs/current/ddl-partitioning.html (a UNIQUE constraint on a partitioned table builds a unique index on every partition while the statement holds its lock)
ALTER TABLE "events" ADD CONSTRAINT "events_id_occurred_at_key" UNIQUE ("id", "occurred_at");
