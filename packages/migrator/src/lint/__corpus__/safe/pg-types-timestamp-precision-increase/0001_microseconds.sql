-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (a higher timestamp precision keeps every stored value: no rewrite, checked on PostgreSQL 15)
ALTER TABLE "audit_log" ALTER COLUMN "logged_at" SET DATA TYPE timestamp (6);
