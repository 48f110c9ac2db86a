-- expect: dropping-table, drop-cascade
DROP VIEW "active_users" CASCADE;
