-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-COMPRESSION (SET COMPRESSION does not rewrite the table: existing values keep their compression, only new values use the new method)
ALTER TABLE "orders" ALTER COLUMN "note" SET COMPRESSION pglz;
