-- expect: concurrently-in-transaction
DO $$
BEGIN
  DROP INDEX CONCURRENTLY IF EXISTS orders_open_idx;
END $$;
