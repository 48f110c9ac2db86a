-- expect: setting-logged-unlogged
-- The import finished; make the staging table crash-safe again.
ALTER TABLE import_staging SET LOGGED;
