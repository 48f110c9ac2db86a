-- expect: none
-- source: https://kaveland.no/eugene/hints/W13/ (eugene advises a lookup table over an enum for later changes; creating a type and a new table locks nothing in use)
-- Ambiguous: design advice, not a lock, a scan or a rewrite.
CREATE TYPE "public"."document_type" AS ENUM('invoice', 'receipt', 'other');
--> statement-breakpoint
CREATE TABLE "documents" ("id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY, "type" "document_type" NOT NULL);
