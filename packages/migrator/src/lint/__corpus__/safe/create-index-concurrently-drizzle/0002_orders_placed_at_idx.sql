-- expect: none
CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_placed_at_idx" ON "orders" USING btree ("placed_at");
