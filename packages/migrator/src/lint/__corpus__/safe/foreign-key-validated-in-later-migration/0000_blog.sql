CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL);
--> statement-breakpoint
CREATE TABLE "comments" ("id" serial PRIMARY KEY NOT NULL, "post_id" integer NOT NULL, "body" text);
