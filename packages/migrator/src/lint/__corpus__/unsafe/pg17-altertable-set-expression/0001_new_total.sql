-- expect: adding-stored-generated-column
-- pg-version: 17
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-EXPRESSION (SET EXPRESSION on a stored generated column rewrites the table under ACCESS EXCLUSIVE, PostgreSQL 17+)
ALTER TABLE "line_items" ALTER COLUMN "total_cents" SET EXPRESSION AS ("quantity" * "unit_cents" + 100);
