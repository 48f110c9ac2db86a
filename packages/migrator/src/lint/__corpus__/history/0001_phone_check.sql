ALTER TABLE "auth"."users" ADD CONSTRAINT "users_phone_number_not_null" CHECK ("phone_number" IS NOT NULL) NOT VALID;
