-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-alterindex.html (SET ( storage_parameter ) takes SHARE UPDATE EXCLUSIVE and does not rebuild the index: only later insertions use the new fillfactor)
ALTER INDEX "events_created_at_idx" SET (fillfactor = 70);
