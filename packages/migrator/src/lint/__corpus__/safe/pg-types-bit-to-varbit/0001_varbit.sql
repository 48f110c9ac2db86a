-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (no rewrite when the old type is binary coercible to the new one: pg_cast lists bit -> bit varying with castmethod 'b'; PostgreSQL 15 keeps the file)
ALTER TABLE "feature_flags" ALTER COLUMN "mask" SET DATA TYPE bit varying;
