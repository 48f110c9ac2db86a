-- expect: changing-column-type
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (only an unconstrained domain skips the rewrite: a domain with a CHECK must check every value, and PostgreSQL 15 rewrites the table for it)
ALTER TABLE "subscribers" ALTER COLUMN "email" SET DATA TYPE "public"."email_address";
