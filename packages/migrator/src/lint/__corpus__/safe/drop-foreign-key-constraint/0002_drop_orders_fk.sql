-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" DROP CONSTRAINT "orders_user_id_users_id_fk";
