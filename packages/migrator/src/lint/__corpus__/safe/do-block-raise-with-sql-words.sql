-- expect: none
DO $$
BEGIN
  RAISE NOTICE 'Run DROP TABLE legacy_orders; and TRUNCATE sessions by hand after the cutover';
END $$;
