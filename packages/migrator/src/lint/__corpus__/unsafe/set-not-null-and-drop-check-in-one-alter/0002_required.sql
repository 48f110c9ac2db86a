-- expect: setting-not-null
-- DROP CONSTRAINT runs in an earlier ALTER TABLE pass than SET NOT NULL, so the CHECK is gone
-- before SET NOT NULL looks for it: PostgreSQL scans the table ("verifying table") under ACCESS EXCLUSIVE.
ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL, DROP CONSTRAINT "users_email_not_null";
