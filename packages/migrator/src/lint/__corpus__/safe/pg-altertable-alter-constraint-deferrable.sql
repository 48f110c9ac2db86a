-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ALTER-CONSTRAINT (ALTER CONSTRAINT changes only the attributes of an existing foreign key: nothing is validated again)
ALTER TABLE "orders" ALTER CONSTRAINT "orders_user_id_users_id_fk" DEFERRABLE INITIALLY DEFERRED;
