-- expect: none
-- pg-version: 17
ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(320);
