-- expect: changing-column-type
ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(100);
