-- expect: setting-not-null
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM orders WHERE user_id IS NULL) THEN
    ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL;
  END IF;
END $$;
