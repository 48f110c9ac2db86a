-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-CLUSTER-ON (CLUSTER ON only marks the index for future CLUSTER runs; it takes SHARE UPDATE EXCLUSIVE and moves no rows)
ALTER TABLE "orders" CLUSTER ON "orders_pkey";
