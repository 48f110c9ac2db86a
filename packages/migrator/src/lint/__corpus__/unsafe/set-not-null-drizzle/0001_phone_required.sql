-- expect: setting-not-null
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
