-- expect: setting-not-null
-- history: 0000_init.sql, 0001_phone_check.sql
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
