-- expect: concurrently-in-transaction, transaction-control
BEGIN;
CREATE INDEX CONCURRENTLY "orders_status_idx" ON "orders" USING btree ("status");
COMMIT;
