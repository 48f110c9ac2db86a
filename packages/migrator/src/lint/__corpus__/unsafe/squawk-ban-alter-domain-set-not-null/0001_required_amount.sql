-- expect: adding-domain-check
-- source: https://squawkhq.com/docs/ban-alter-domain-with-add-constraint and https://www.postgresql.org/docs/current/sql-alterdomain.html (SET NOT NULL checks every column of the domain: PostgreSQL 15 read all rows of payments under SHARE, writes waiting)
ALTER DOMAIN "public"."positive_amount" SET NOT NULL;
