-- expect: none
VACUUM (ANALYZE) "orders";
