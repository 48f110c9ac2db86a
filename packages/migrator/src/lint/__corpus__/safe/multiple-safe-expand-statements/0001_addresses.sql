-- expect: none
-- history: 0000_init.sql
CREATE TABLE "addresses" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"line1" text NOT NULL,
	"city" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "addresses_user_id_idx" ON "addresses" USING btree ("user_id");
--> statement-breakpoint
ALTER TABLE "auth"."users" ADD COLUMN "default_address_id" integer REFERENCES "addresses"("id");
