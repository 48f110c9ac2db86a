-- expect: setting-not-null
-- source: https://kaveland.no/eugene/hints/W12/ and https://kaveland.no/eugene/hints/E2/ (each SET NOT NULL scans the table under ACCESS EXCLUSIVE; two statements scan it twice)
ALTER TABLE "authors" ALTER COLUMN "name" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "authors" ALTER COLUMN "email" SET NOT NULL;
