-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/explicit-locking.html (CREATE STATISTICS takes SHARE UPDATE EXCLUSIVE: reads and writes continue; the statistics are gathered by the next ANALYZE)
CREATE STATISTICS orders_user_status_stats (dependencies, ndistinct) ON user_id, status FROM orders;
