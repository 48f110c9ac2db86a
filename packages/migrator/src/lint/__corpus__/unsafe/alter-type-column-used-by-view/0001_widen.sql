-- expect: column-used-by-view
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (ALTER COLUMN TYPE on a column a view reads: "cannot alter type of a column used by a view or rule", checked on PostgreSQL 15; widening a varchar alone would be instant)
ALTER TABLE "customers" ALTER COLUMN "email" SET DATA TYPE varchar(320);
