-- expect: adding-required-column
ALTER TABLE "auth"."users" ADD COLUMN "tenant_id" uuid NOT NULL;
