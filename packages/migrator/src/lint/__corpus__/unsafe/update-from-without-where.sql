-- expect: unbounded-data-change
UPDATE orders SET total = prices.amount * orders.quantity FROM prices;
