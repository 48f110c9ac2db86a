-- expect: none
ALTER TABLE "orders" ADD COLUMN "region" text DEFAULT default_region() NOT NULL;
