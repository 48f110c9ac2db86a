-- expect: none
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ALTER COLUMN "status" SET DEFAULT 'pending';
