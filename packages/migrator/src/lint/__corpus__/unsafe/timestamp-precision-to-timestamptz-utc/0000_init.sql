CREATE TABLE "events" (
	"id" serial PRIMARY KEY NOT NULL,
	"happened_at" timestamp (3) NOT NULL
);
