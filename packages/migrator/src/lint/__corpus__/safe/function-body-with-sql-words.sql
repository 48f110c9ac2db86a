-- expect: none
CREATE OR REPLACE FUNCTION reset_cache() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE cache_entries;
  DELETE FROM cache_stats;
  UPDATE cache_config SET warmed = false;
END;
$$;
