-- expect: setting-tablespace
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-ACCESS-METHOD (SET ACCESS METHOD rewrites the table into the new method's storage under ACCESS EXCLUSIVE; to the method it already has, heap -> heap, PostgreSQL 15 keeps the file)
-- Ambiguous id: no rule is named after access methods; setting-tablespace is the rule for "every row is copied to new storage under ACCESS EXCLUSIVE".
ALTER TABLE "orders" SET ACCESS METHOD columnar;
