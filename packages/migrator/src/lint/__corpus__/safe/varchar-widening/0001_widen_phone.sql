-- expect: none
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET DATA TYPE varchar(32);
