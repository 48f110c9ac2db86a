CREATE TABLE "line_items" (
	"id" serial PRIMARY KEY NOT NULL,
	"quantity" integer NOT NULL,
	"unit_cents" integer NOT NULL,
	"total_cents" integer GENERATED ALWAYS AS ("quantity" * "unit_cents") STORED
);
