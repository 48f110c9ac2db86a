UPDATE "auth"."users" SET "phone_e164" = regexp_replace("phone_number", '[^0-9+]', '', 'g') WHERE "phone_e164" IS NULL AND "phone_number" IS NOT NULL;
