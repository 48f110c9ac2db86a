-- expect: creating-index-non-concurrently
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY ("Concurrent builds for indexes on partitioned tables are currently not supported": PostgreSQL 15 answers "cannot create index on partitioned table concurrently" and the migration stops)
-- Ambiguous id: the statement does say CONCURRENTLY; creating-index-non-concurrently reports it because its help is the way to index a partitioned table without blocking writes.
CREATE INDEX CONCURRENTLY "events_occurred_at_idx" ON "events" USING btree ("occurred_at");
