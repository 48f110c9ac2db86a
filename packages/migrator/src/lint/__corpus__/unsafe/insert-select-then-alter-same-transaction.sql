-- expect: schema-change-after-data-change
INSERT INTO orders_archive SELECT * FROM orders;
ALTER TABLE orders_archive ADD COLUMN archived_at timestamp with time zone;
