-- expect: unnamed-concurrent-index
CREATE INDEX CONCURRENTLY ON "orders" ("user_id");
