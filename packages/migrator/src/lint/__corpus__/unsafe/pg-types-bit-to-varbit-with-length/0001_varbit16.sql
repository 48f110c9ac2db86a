-- expect: changing-column-type
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (binary coercible, but with a length the length check stays on top of the relabel: PostgreSQL 15 rewrites bit(8) -> bit varying(16), a new relfilenode)
ALTER TABLE "feature_flags" ALTER COLUMN "mask" SET DATA TYPE bit varying(16);
