-- expect: unbounded-data-change
-- Deleting by ranges of ids in a loop: every range's rows stay locked until the migration commits.
DO $$
DECLARE
  lo bigint := 0;
BEGIN
  WHILE lo < 1000000 LOOP
    DELETE FROM events WHERE id >= lo AND id < lo + 10000 AND created_at < now() - interval '1 year';
    lo := lo + 10000;
  END LOOP;
END $$;
