-- expect: reindexing-non-concurrently
-- source: https://www.postgresql.org/docs/current/sql-reindex.html (REINDEX SCHEMA rebuilds every index of the schema, each under ACCESS EXCLUSIVE on the index and SHARE on its table; https://www.postgresql.org/docs/current/explicit-locking.html)
REINDEX SCHEMA public;
