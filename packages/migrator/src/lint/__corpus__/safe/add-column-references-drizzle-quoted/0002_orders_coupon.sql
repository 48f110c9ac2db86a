-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD COLUMN "coupon_id" integer REFERENCES "public"."coupons"("id") ON DELETE set null;
