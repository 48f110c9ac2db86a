-- expect: locking-table (warning)
-- source: https://www.postgresql.org/docs/current/explicit-locking.html (ROW EXCLUSIVE does not conflict with itself: other writers go on; only SHARE and stronger modes wait)
LOCK TABLE ONLY inventory IN ROW EXCLUSIVE MODE;
DELETE FROM inventory WHERE quantity = 0 AND updated_at < '2020-01-01';
