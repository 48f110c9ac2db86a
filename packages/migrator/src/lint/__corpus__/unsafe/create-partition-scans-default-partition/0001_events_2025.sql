-- expect: attaching-partition
-- history: 0000_events.sql
CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
