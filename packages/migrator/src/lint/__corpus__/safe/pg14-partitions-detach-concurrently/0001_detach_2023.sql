-- expect: none
-- pg-version: 14
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION (DETACH ... CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the parent and the partition, PostgreSQL 14+; the runner runs it outside a transaction block)
ALTER TABLE "readings" DETACH PARTITION "readings_2023" CONCURRENTLY;
