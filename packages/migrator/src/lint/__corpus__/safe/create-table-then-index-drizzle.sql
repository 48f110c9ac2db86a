-- expect: none
CREATE TABLE "posts" (
	"id" serial PRIMARY KEY NOT NULL,
	"author_id" uuid NOT NULL,
	"title" text NOT NULL,
	"published_at" timestamp
);
--> statement-breakpoint
CREATE INDEX "posts_author_id_idx" ON "posts" USING btree ("author_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "posts_title_idx" ON "posts" USING btree ("title");
