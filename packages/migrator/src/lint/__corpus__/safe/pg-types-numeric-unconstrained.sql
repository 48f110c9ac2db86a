-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES and https://github.com/ankane/strong_migrations#changing-the-type-of-a-column (making a numeric column unconstrained keeps every value: no rewrite, checked on PostgreSQL 15)
ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE numeric;
