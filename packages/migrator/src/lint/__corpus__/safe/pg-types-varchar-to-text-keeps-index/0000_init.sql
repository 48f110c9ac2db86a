CREATE TABLE "customers" ("id" serial PRIMARY KEY NOT NULL, "last_name" varchar(50) NOT NULL);
--> statement-breakpoint
CREATE INDEX "customers_last_name_idx" ON "customers" USING btree ("last_name");
