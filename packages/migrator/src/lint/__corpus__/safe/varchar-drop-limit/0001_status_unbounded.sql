-- expect: none
ALTER TABLE "auth"."users" ALTER COLUMN "status" SET DATA TYPE varchar;
