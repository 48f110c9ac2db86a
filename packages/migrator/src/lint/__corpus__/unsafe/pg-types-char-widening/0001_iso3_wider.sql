-- expect: changing-column-type
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (char(n) pads values with blanks to n, so a longer char(n) is not binary coercible: PostgreSQL 15 rewrites the table, unlike varchar)
ALTER TABLE "countries" ALTER COLUMN "iso3" SET DATA TYPE char(5);
