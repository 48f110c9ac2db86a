-- expect: none
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "is_verified" boolean DEFAULT false NOT NULL;
