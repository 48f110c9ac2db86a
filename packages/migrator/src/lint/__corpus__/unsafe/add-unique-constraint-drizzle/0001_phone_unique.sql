-- expect: adding-unique-constraint
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_phone_number_unique" UNIQUE("phone_number");
