-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (no rewrite when the old type is binary coercible to the new one; a domain without constraints adds no check, so text -> a domain over text keeps the file: checked on PostgreSQL 15)
ALTER TABLE "articles" ALTER COLUMN "path" SET DATA TYPE "public"."slug";
