-- expect: none
-- source: https://www.postgresql.org/docs/current/sql-vacuum.html (a boolean option written false is off: this is a plain VACUUM ANALYZE under SHARE UPDATE EXCLUSIVE, https://www.postgresql.org/docs/current/explicit-locking.html)
VACUUM (FULL false, ANALYZE true) events;
