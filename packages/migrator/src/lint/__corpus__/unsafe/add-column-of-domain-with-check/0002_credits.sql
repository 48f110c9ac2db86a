-- expect: adding-domain-check
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "credits" "positive_int";
