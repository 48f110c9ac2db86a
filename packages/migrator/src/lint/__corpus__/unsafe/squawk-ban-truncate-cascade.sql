-- expect: truncating-table
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://squawkhq.com/docs/ban-truncate-cascade (TRUNCATE ... CASCADE also empties every table with a foreign key to it; https://www.postgresql.org/docs/current/sql-truncate.html)
TRUNCATE "auth"."users" CASCADE;
