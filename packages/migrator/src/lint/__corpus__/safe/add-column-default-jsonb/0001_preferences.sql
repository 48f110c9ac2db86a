-- expect: none
ALTER TABLE "auth"."users" ADD COLUMN "preferences" jsonb DEFAULT '{}'::jsonb NOT NULL;
