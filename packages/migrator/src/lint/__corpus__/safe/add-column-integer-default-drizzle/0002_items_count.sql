-- expect: none
ALTER TABLE "orders" ADD COLUMN "items_count" integer DEFAULT 0 NOT NULL;
