-- expect: none
CREATE MATERIALIZED VIEW daily_revenue AS
  SELECT date_trunc('day', placed_at) AS day, sum(total) AS revenue FROM orders GROUP BY 1;
CREATE UNIQUE INDEX daily_revenue_day_idx ON daily_revenue (day);
