-- expect: none
-- history: 0000_events.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION (without CONCURRENTLY, DETACH takes ACCESS EXCLUSIVE on the parent and the partition but reads no rows: a brief catalog change that the runner's lock_timeout bounds; checked on PostgreSQL 15: ACCESS EXCLUSIVE on events, events_2024 and events_default, no partition scanned)
-- Ambiguous: squawk's require-concurrent-partition-detach (https://squawkhq.com/docs/require-concurrent-partition-detach) reports this; here it is judged like other brief catalog locks. CONCURRENTLY is not allowed on events anyway: it has a default partition.
ALTER TABLE "events" DETACH PARTITION "events_2024";
