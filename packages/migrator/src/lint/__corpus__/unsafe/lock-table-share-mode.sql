-- expect: locking-table
LOCK TABLE inventory IN SHARE MODE;
INSERT INTO inventory_snapshots SELECT now(), * FROM inventory;
