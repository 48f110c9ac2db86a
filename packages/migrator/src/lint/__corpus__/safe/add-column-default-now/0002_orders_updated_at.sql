-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD COLUMN "updated_at" timestamp DEFAULT now() NOT NULL;
