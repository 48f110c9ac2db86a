-- expect: adding-volatile-default
ALTER TABLE "auth"."users" ADD COLUMN "referral_code" text DEFAULT make_referral_code() NOT NULL;
