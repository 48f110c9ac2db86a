-- expect: creating-index-non-concurrently, transaction-control
BEGIN;
CREATE INDEX orders_status_idx ON orders (status);
COMMIT;
