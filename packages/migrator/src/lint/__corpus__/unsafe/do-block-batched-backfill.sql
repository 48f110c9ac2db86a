-- expect: none
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
