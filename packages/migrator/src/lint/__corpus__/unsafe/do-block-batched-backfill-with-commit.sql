-- expect: unbounded-data-change
-- COMMIT in a DO block fails inside a transaction block ("invalid transaction termination"), and the
-- runner runs each migration in one: the migration fails at the first batch.
DO $$
BEGIN
  LOOP
    UPDATE orders SET channel = 'web'
    WHERE id IN (SELECT id FROM orders WHERE channel IS NULL LIMIT 5000);
    EXIT WHEN NOT FOUND;
    COMMIT;
  END LOOP;
END $$;
