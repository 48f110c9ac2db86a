ALTER TABLE "auth"."users" RENAME TO "accounts";
--> statement-breakpoint
CREATE VIEW "auth"."users" AS SELECT * FROM "auth"."accounts";
