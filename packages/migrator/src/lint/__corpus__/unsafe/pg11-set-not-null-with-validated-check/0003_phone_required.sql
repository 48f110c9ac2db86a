-- expect: setting-not-null
-- pg-version: 11
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
