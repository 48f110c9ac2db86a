-- expect: none
CREATE TABLE user_stats AS
  SELECT user_id, count(*) AS orders_count FROM orders GROUP BY user_id;
UPDATE user_stats SET orders_count = orders_count;
CREATE INDEX user_stats_user_id_idx ON user_stats (user_id);
