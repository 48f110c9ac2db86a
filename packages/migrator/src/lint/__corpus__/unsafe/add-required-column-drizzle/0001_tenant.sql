-- expect: adding-required-column
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "tenant_id" uuid NOT NULL;
