-- expect: none
ALTER TABLE "orders" DROP CONSTRAINT "orders_user_id_users_id_fk";
