-- expect: renaming-column
-- history: 0000_init.sql
ALTER TABLE "auth"."users" RENAME COLUMN "phone_number" TO "phone";
