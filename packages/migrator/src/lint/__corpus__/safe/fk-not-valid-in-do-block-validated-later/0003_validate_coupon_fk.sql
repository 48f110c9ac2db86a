-- expect: none
ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_coupon_id_fk";
