CREATE DOMAIN "public"."positive_amount" AS numeric(12, 2) CHECK (VALUE > 0);
--> statement-breakpoint
CREATE TABLE "payments" ("id" serial PRIMARY KEY NOT NULL, "amount" "positive_amount");
