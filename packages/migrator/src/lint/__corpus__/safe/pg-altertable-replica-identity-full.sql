-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-REPLICA-IDENTITY (a catalog change under a short ACCESS EXCLUSIVE lock: no scan, no rewrite)
ALTER TABLE "orders" REPLICA IDENTITY FULL;
