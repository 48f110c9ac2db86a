-- expect: adding-volatile-default
-- pg-version: 10
ALTER TABLE orders ADD COLUMN archived_at timestamptz DEFAULT now();
