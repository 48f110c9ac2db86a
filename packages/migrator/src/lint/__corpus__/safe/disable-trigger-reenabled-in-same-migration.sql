-- expect: none
ALTER TABLE orders DISABLE TRIGGER orders_audit;
UPDATE orders SET status = 'archived' WHERE placed_at < '2020-01-01';
ALTER TABLE orders ENABLE TRIGGER orders_audit;
