-- expect: attaching-partition
-- history: 0000_events.sql
ALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
