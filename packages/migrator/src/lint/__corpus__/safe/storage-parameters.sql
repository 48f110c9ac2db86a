-- expect: none
ALTER TABLE events SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02);
ALTER TABLE events ALTER COLUMN payload SET STATISTICS 500;
