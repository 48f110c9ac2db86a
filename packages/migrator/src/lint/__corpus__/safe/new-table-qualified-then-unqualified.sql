-- expect: none
CREATE TABLE "public"."api_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_idx" ON "api_keys" USING btree ("hash");
--> statement-breakpoint
ALTER TABLE api_keys ADD COLUMN owner_id uuid NOT NULL;
