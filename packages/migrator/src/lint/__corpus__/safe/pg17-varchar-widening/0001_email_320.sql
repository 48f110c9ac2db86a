-- expect: none
-- pg-version: 17
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(320);
