-- expect: none
-- pg-version: 12
ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;
