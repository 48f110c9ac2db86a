ALTER TABLE "orders" ADD COLUMN "coupon_id" integer;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "orders" ADD CONSTRAINT "orders_coupon_id_fk" FOREIGN KEY ("coupon_id") REFERENCES "public"."coupons"("id") NOT VALID;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
