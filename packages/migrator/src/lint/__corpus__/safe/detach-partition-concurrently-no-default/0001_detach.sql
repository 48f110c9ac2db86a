-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION (CONCURRENTLY: SHARE UPDATE EXCLUSIVE on the parent, reads and writes continue; allowed without a default partition, PostgreSQL 14 and later)
ALTER TABLE "logs" DETACH PARTITION "logs_2023" CONCURRENTLY;
