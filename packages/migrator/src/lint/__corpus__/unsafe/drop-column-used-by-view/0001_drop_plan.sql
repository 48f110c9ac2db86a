-- expect: column-used-by-view, dropping-column
-- source: https://www.postgresql.org/docs/current/ddl-depend.html (DROP COLUMN without CASCADE while a view reads the column: "cannot drop column plan of table customers because other objects depend on it")
ALTER TABLE "customers" DROP COLUMN "plan";
