-- expect: adding-volatile-default
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "referral_code" text DEFAULT make_referral_code() NOT NULL;
