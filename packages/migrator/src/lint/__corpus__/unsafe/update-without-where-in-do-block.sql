-- expect: unbounded-data-change
DO $$
BEGIN
  UPDATE orders SET note = '';
END $$;
