CREATE DOMAIN "public"."slug" AS text;
--> statement-breakpoint
CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "path" text NOT NULL);
