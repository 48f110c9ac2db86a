-- expect: refreshing-materialized-view
REFRESH MATERIALIZED VIEW "daily_revenue";
