-- expect: none
-- FOREACH over a written list of values is bounded like a VALUES list: a few rows, not batches.
DO $$
DECLARE
  region text;
BEGIN
  FOREACH region IN ARRAY ARRAY['eu', 'us'] LOOP
    UPDATE regions SET active = true WHERE code = region;
  END LOOP;
END $$;
