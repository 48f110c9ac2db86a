-- expect: none
ALTER TABLE "orders" ADD COLUMN "coupon_id" integer REFERENCES "public"."coupons"("id") ON DELETE set null;
