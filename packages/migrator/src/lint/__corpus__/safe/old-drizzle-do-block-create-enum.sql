-- expect: none
DO $$ BEGIN
 CREATE TYPE "public"."order_status" AS ENUM('pending', 'paid', 'shipped');
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
