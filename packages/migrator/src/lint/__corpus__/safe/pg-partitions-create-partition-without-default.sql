-- expect: none
-- history: 0000_measurements.sql
-- source: https://www.postgresql.org/docs/current/ddl-partitioning.html (CREATE TABLE ... PARTITION OF locks the parent only for the catalog change; with no default partition nothing is scanned)
CREATE TABLE "measurements_2025" PARTITION OF "measurements" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
