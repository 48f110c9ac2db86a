-- expect: creating-index-non-concurrently
-- Built CONCURRENTLY so it does not block writes.
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");
