-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_placed_at_idx" ON "orders" USING btree ("placed_at");
