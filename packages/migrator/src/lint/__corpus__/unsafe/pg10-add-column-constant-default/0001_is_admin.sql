-- expect: adding-volatile-default
-- pg-version: 10
ALTER TABLE "auth"."users" ADD COLUMN "is_admin" boolean DEFAULT false NOT NULL;
