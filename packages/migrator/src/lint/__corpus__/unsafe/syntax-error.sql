-- expect: syntax-error
ALTER TABLE "orders" ADD COLUMN "shipped_at" timestamp,
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "orders_shipped_at_idx" ON "orders" USING btree ("shipped_at");
