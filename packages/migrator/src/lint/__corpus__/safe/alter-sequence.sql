-- expect: none
ALTER SEQUENCE "orders_id_seq" RESTART WITH 100000;
