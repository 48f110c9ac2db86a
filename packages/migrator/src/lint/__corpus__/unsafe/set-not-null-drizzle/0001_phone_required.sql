-- expect: setting-not-null
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
