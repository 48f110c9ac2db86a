-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (with the view dropped first and created again in the same transaction, the type change runs; widening a varchar keeps every row, no rewrite)
DROP VIEW "public"."paying_customers";
--> statement-breakpoint
ALTER TABLE "customers" ALTER COLUMN "email" SET DATA TYPE varchar(320);
--> statement-breakpoint
CREATE VIEW "public"."paying_customers" AS (select "id", "email" from "customers" where "customers"."plan" <> 'free');
