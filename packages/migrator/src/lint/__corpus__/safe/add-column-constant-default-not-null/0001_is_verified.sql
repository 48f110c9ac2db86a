-- expect: none
ALTER TABLE "auth"."users" ADD COLUMN "is_verified" boolean DEFAULT false NOT NULL;
