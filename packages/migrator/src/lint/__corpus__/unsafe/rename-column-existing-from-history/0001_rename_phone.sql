-- expect: renaming-column
ALTER TABLE "auth"."users" RENAME COLUMN "phone_number" TO "phone";
