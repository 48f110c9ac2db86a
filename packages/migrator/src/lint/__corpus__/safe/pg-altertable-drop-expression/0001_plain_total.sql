-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-EXPRESSION (DROP EXPRESSION turns a stored generated column into a regular one; the stored values stay, the table is not rewritten: checked on PostgreSQL 15)
ALTER TABLE "line_items" ALTER COLUMN "total_cents" DROP EXPRESSION;
