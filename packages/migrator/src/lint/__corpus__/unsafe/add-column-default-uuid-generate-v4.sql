-- expect: adding-volatile-default
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
--> statement-breakpoint
ALTER TABLE "public"."devices" ADD COLUMN "token" uuid DEFAULT uuid_generate_v4();
