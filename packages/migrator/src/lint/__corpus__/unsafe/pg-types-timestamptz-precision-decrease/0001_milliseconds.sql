-- expect: changing-column-type
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (a lower precision rounds every value, so every row is rewritten: checked on PostgreSQL 15)
ALTER TABLE "audit_log" ALTER COLUMN "logged_at" SET DATA TYPE timestamp (3) with time zone;
