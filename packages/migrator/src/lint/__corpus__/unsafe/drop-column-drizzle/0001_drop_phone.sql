-- expect: dropping-column
ALTER TABLE "auth"."users" DROP COLUMN "phone_number";
