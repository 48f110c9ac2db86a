-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES ("a column can be changed from text to varchar (or vice versa) without rebuilding the indexes because these data types sort identically": the table and the index keep their files, checked on PostgreSQL 15)
ALTER TABLE "customers" ALTER COLUMN "last_name" SET DATA TYPE text;
