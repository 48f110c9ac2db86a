-- expect: creating-index-non-concurrently
-- Speed up the "open orders" dashboard.
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status <> 'delivered';
