-- expect: setting-tablespace
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (ALL IN TABLESPACE moves every table of the tablespace, locking each one for its copy)
ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE "fast_ssd";
