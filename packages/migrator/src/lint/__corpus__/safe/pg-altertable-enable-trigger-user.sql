-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DISABLE-ENABLE-TRIGGER (ENABLE TRIGGER takes SHARE ROW EXCLUSIVE for a catalog change; enabling loses no checks)
ALTER TABLE "orders" ENABLE TRIGGER USER;
