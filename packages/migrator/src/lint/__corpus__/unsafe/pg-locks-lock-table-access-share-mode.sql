-- expect: locking-table (warning)
-- source: https://www.postgresql.org/docs/current/sql-lock.html and https://www.postgresql.org/docs/current/explicit-locking.html (ACCESS SHARE conflicts only with ACCESS EXCLUSIVE: reads and writes go on, so this is advice, not an error)
LOCK TABLE inventory IN ACCESS SHARE MODE;
INSERT INTO inventory_snapshots SELECT now(), * FROM inventory;
