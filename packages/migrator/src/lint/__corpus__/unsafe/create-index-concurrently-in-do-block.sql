-- expect: concurrently-in-transaction
DO $$
BEGIN
  CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);
END $$;
