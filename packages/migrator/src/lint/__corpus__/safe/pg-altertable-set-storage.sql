-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-STORAGE (SET STORAGE does not itself change anything in the table: it only sets the strategy for future values)
ALTER TABLE "orders" ALTER COLUMN "note" SET STORAGE EXTERNAL;
