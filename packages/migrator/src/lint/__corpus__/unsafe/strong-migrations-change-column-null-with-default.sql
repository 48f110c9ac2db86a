-- expect: setting-not-null
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://github.com/ankane/strong_migrations#using-change_column_null-with-a-default-value (Rails fills the NULLs with one UPDATE, then SET NOT NULL scans the table under ACCESS EXCLUSIVE)
UPDATE "orders" SET "note" = '' WHERE "note" IS NULL;
--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;
