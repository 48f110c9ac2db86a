CREATE DOMAIN "public"."email_address" AS text CHECK (VALUE ~ '@');
--> statement-breakpoint
CREATE TABLE "subscribers" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL);
