-- expect: dropping-column, renaming-column
ALTER TABLE "auth"."users" DROP COLUMN "phone_number";
--> statement-breakpoint
ALTER TABLE "auth"."users" RENAME COLUMN "status" TO "state";
