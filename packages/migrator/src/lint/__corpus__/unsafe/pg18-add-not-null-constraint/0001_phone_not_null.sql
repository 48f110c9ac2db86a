-- expect: setting-not-null
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_phone_number_not_null" NOT NULL "phone_number";
