-- expect: changing-column-type (error)
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (whether ALTER COLUMN TYPE rewrites depends on the old type; linted alone, nothing says what it is, so the worst case is assumed and said)
ALTER TABLE "invoices" ALTER COLUMN "reference" SET DATA TYPE text;
