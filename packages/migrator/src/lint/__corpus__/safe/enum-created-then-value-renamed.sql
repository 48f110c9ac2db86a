-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertype.html (a type created in the same migration has no rows and no running app that uses its labels)
CREATE TYPE "public"."delivery_state" AS ENUM('queued', 'sent');
--> statement-breakpoint
ALTER TYPE "public"."delivery_state" RENAME VALUE 'sent' TO 'delivered';
