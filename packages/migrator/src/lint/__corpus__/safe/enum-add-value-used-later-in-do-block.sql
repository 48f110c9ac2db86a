-- expect: none
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'disputed';
DO $$
BEGIN
  UPDATE orders SET status = 'disputed' WHERE id IN (SELECT order_id FROM chargebacks);
END $$;
