-- expect: none
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET DATA TYPE varchar(32);
