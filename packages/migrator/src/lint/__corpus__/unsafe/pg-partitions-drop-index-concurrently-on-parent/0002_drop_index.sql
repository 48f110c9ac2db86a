-- expect: dropping-index-non-concurrently (error)
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-dropindex.html ("indexes on partitioned tables cannot be dropped using this option": PostgreSQL 15 answers "cannot drop partitioned index ... concurrently" and the migration stops)
-- Ambiguous id: the statement does say CONCURRENTLY; the rule about dropping indexes reports it, as an error since the migration fails.
DROP INDEX CONCURRENTLY "events_occurred_at_idx";
