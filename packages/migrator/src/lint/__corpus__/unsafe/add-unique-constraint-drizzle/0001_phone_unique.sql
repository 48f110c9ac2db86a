-- expect: adding-unique-constraint
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_phone_number_unique" UNIQUE("phone_number");
