-- expect: adding-check-constraint
DO $$
BEGIN
  EXECUTE 'ALTER TABLE orders ADD CONSTRAINT orders_quantity_check CHECK (quantity > 0)';
END $$;
