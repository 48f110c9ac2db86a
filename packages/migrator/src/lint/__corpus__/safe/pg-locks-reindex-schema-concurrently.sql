-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-reindex.html (REINDEX ... CONCURRENTLY builds each new index under SHARE UPDATE EXCLUSIVE, PostgreSQL 12+)
REINDEX SCHEMA CONCURRENTLY public;
