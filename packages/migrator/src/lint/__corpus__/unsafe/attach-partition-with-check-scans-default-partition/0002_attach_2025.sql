-- expect: attaching-partition
ALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
