-- expect: setting-tablespace
-- source: https://www.postgresql.org/docs/current/sql-alterindex.html (SET TABLESPACE moves the index's files under ACCESS EXCLUSIVE on the index: every query that would use it waits for the copy)
ALTER INDEX "events_created_at_idx" SET TABLESPACE "archive";
