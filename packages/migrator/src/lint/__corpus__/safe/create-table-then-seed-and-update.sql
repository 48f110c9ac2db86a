-- expect: none
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
INSERT INTO "settings" ("key", "value") VALUES ('signup_open', 'true'), ('max_upload_mb', '25');
--> statement-breakpoint
UPDATE "settings" SET "updated_at" = now();
