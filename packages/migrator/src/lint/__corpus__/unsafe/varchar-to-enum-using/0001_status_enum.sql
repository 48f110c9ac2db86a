-- expect: changing-column-type
-- history: 0000_init.sql
CREATE TYPE "public"."user_status" AS ENUM('active', 'suspended', 'deleted');
--> statement-breakpoint
ALTER TABLE "auth"."users" ALTER COLUMN "status" DROP DEFAULT;
--> statement-breakpoint
ALTER TABLE "auth"."users" ALTER COLUMN "status" SET DATA TYPE "public"."user_status" USING "status"::"public"."user_status";
--> statement-breakpoint
ALTER TABLE "auth"."users" ALTER COLUMN "status" SET DEFAULT 'active';
