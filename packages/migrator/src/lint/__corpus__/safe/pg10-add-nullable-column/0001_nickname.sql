-- expect: none
-- pg-version: 10
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "nickname" text;
