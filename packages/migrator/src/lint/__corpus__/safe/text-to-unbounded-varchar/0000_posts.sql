CREATE TABLE "posts" (
	"id" serial PRIMARY KEY NOT NULL,
	"body" text
);
