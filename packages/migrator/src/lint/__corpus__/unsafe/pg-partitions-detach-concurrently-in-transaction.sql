-- expect: concurrently-in-transaction, transaction-control
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION (DETACH ... CONCURRENTLY "cannot be run in a transaction block": PostgreSQL 15 refuses it inside BEGIN)
BEGIN;
ALTER TABLE "readings" DETACH PARTITION "readings_2023" CONCURRENTLY;
COMMIT;
