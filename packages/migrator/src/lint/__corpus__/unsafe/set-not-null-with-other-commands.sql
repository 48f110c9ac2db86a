-- expect: setting-not-null
ALTER TABLE orders
  ADD COLUMN shipped_at timestamptz,
  ALTER COLUMN note SET NOT NULL;
