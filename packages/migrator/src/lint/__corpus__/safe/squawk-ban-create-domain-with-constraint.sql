-- expect: none
-- source: https://squawkhq.com/docs/ban-create-domain-with-constraint (squawk bans it because later changes to the domain's constraints check every table using it; creating the domain itself locks and reads nothing: https://www.postgresql.org/docs/current/sql-createdomain.html)
-- Ambiguous for squawk, not for locks: the hazard squawk warns about is the later ALTER DOMAIN, which adding-domain-check reports.
CREATE DOMAIN "public"."positive_amount" AS numeric(12, 2) CHECK (VALUE > 0);
