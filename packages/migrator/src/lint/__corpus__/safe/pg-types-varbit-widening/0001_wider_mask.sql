-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (a longer bit varying, like a longer varchar, keeps every value as it is: no rewrite, checked on PostgreSQL 15)
ALTER TABLE "feature_flags" ALTER COLUMN "mask" SET DATA TYPE bit varying(64);
