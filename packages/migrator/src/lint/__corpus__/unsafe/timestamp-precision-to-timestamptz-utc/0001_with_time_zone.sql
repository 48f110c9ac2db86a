-- expect: changing-column-type
-- Even in UTC, timestamp(3) -> timestamptz(3) rewrites: the typmod coercion sits on top of the
-- timestamp->timestamptz conversion (whose typmod is -1), so it is not simplified away. Only a target
-- precision of 6 or none skips the rewrite.
SET LOCAL TimeZone = 'UTC';
--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "happened_at" SET DATA TYPE timestamp (3) with time zone;
