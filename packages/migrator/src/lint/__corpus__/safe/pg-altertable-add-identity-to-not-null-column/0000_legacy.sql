CREATE TABLE "legacy_accounts" (
	"id" integer NOT NULL,
	"name" text
);
