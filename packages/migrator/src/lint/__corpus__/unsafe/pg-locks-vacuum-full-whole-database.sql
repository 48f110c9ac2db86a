-- expect: vacuum-full
-- source: https://www.postgresql.org/docs/current/sql-vacuum.html (without a table list VACUUM processes every table of the database; FULL rewrites each one under ACCESS EXCLUSIVE, https://www.postgresql.org/docs/current/explicit-locking.html)
VACUUM FULL;
