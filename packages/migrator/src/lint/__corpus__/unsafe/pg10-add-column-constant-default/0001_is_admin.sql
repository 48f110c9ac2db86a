-- expect: adding-volatile-default
-- pg-version: 10
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "is_admin" boolean DEFAULT false NOT NULL;
