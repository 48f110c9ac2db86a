-- expect: creating-index-non-concurrently
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY (an index on a partitioned table is built on every partition, each under SHARE: writes to the whole table wait; concurrent builds are not supported on the partitioned table itself)
CREATE INDEX "events_occurred_at_idx" ON "events" USING btree ("occurred_at");
