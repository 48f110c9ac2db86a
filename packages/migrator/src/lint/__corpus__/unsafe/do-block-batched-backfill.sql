-- expect: unbounded-data-change
-- A DO block is one statement of the migration's transaction: every batch's row locks are held
-- until the migration commits, as if it were one UPDATE of every row. Batching belongs in `sdk db backfill`.
DO $$
DECLARE
  updated integer;
BEGIN
  LOOP
    UPDATE orders SET channel = 'web'
    WHERE id IN (SELECT id FROM orders WHERE channel IS NULL LIMIT 5000);
    GET DIAGNOSTICS updated = ROW_COUNT;
    EXIT WHEN updated = 0;
  END LOOP;
END $$;
