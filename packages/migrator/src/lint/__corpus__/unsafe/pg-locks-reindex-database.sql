-- expect: reindexing-non-concurrently
-- source: https://www.postgresql.org/docs/current/sql-reindex.html (REINDEX DATABASE rebuilds the indexes of every table without CONCURRENTLY: writes to each table wait while its indexes are rebuilt)
REINDEX DATABASE app;
