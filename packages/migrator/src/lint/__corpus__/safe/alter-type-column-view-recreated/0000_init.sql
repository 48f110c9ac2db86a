CREATE TABLE "customers" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" varchar(100) NOT NULL,
	"plan" text DEFAULT 'free' NOT NULL
);
--> statement-breakpoint
CREATE VIEW "public"."paying_customers" AS (select "id", "email" from "customers" where "customers"."plan" <> 'free');
