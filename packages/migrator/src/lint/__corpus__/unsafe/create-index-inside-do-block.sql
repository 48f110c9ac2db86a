-- expect: creating-index-non-concurrently
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'orders_user_id_idx') THEN
    CREATE INDEX orders_user_id_idx ON public.orders (user_id);
  END IF;
END
$$;
