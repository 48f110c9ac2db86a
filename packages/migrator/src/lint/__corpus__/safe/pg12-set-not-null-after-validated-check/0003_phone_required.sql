-- expect: none
-- pg-version: 12
-- history: 0000_init.sql, 0001_phone_check.sql, 0002_validate_phone.sql
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
