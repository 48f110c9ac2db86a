-- expect: locking-table (error)
-- source: https://www.postgresql.org/docs/current/sql-lock.html and https://www.postgresql.org/docs/current/explicit-locking.html (EXCLUSIVE conflicts with ROW EXCLUSIVE: every INSERT, UPDATE and DELETE waits until the transaction ends)
LOCK TABLE inventory IN EXCLUSIVE MODE;
UPDATE inventory SET reserved = 0 WHERE reserved < 0;
