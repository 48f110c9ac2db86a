-- expect: drop-cascade
-- Replaced by the application-side timestamps.
DROP FUNCTION IF EXISTS set_updated_at() CASCADE;
