-- expect: none
-- The table is created in this migration; renaming it does not make it an existing table.
CREATE TABLE "accounts_new" ("id" uuid PRIMARY KEY NOT NULL, "email" text);
--> statement-breakpoint
ALTER TABLE "accounts_new" RENAME TO "accounts";
--> statement-breakpoint
CREATE INDEX "accounts_email_idx" ON "accounts" USING btree ("email");
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "plan" text NOT NULL;
