-- expect: none
-- pg-version: 11
ALTER TABLE "orders" ADD COLUMN "synced_at" timestamp with time zone DEFAULT now();
