-- expect: none
CREATE UNIQUE INDEX CONCURRENTLY "orders_user_id_open_idx" ON "orders" ("user_id") INCLUDE ("status") WHERE "status" = 'open';
