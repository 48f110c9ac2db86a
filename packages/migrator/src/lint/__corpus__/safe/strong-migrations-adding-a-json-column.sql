-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://github.com/ankane/strong_migrations#adding-a-json-column and https://kaveland.no/eugene/hints/E3/ (both warn that json has no equality operator, so SELECT DISTINCT on it fails; the ALTER itself is a nullable column without a default, a catalog change)
-- Ambiguous: an application-level concern, not a lock, a scan or a rewrite, which is what this linter judges.
ALTER TABLE "orders" ADD COLUMN "properties" json;
