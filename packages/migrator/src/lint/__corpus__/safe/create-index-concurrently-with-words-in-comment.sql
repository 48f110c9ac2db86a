-- expect: none
-- Not "CREATE INDEX" plain: that would block writes to orders.
CREATE INDEX CONCURRENTLY "orders_user_id_placed_at_idx" ON "orders" USING btree ("user_id", "placed_at" DESC);
