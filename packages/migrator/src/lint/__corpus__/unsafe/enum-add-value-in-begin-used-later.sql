-- expect: enum-value-in-transaction, transaction-control
BEGIN;
ALTER TYPE order_status ADD VALUE 'on_hold';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'on_hold';
COMMIT;
