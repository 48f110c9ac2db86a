-- expect: vacuum-full
-- Reclaim the space left by the purge.
VACUUM (FULL, ANALYZE) sessions;
