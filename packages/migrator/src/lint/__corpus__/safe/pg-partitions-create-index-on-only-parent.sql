-- expect: none
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-createindex.html (with ONLY the index is created on the partitioned table alone, marked invalid, and no partition is read: checked on PostgreSQL 15, no scan of any partition)
CREATE INDEX "events_occurred_at_idx" ON ONLY "events" USING btree ("occurred_at");
