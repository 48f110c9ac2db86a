-- expect: none
-- pg-version: 10
ALTER TABLE "auth"."users" ADD COLUMN "nickname" text;
