ALTER TABLE "auth"."users" VALIDATE CONSTRAINT "users_phone_number_not_null";
