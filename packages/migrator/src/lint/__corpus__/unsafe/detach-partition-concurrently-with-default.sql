-- expect: detaching-partition-concurrently
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION ("CONCURRENTLY ... cannot be used if ... there is a default partition"; the server answers "cannot detach partitions concurrently when a default partition exists")
ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;
