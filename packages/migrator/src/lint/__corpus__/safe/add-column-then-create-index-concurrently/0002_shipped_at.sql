-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD COLUMN "shipped_at" timestamp;
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "orders_shipped_at_idx" ON "orders" USING btree ("shipped_at") WHERE "shipped_at" IS NOT NULL;
