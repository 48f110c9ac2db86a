-- expect: truncating-table
TRUNCATE cart_items, carts RESTART IDENTITY;
