-- expect: none
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "preferences" jsonb DEFAULT '{}'::jsonb NOT NULL;
