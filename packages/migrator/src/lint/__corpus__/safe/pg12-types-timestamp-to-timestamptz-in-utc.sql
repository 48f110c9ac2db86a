-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://github.com/ankane/strong_migrations#changing-the-type-of-a-column and https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (timestamp -> timestamptz skips the rewrite on PostgreSQL 12+ when the session time zone is UTC)
SET LOCAL TimeZone = 'UTC';
--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "placed_at" SET DATA TYPE timestamp with time zone;
