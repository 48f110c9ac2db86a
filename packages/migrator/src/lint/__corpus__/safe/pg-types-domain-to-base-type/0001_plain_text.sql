-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (a value of a domain is already a value of its base type: the change is a relabel, no rewrite and no check; checked on PostgreSQL 15)
ALTER TABLE "subscribers" ALTER COLUMN "email" SET DATA TYPE text;
