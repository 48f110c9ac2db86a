-- expect: creating-index-non-concurrently
CREATE UNIQUE INDEX "orders_reference_idx" ON "orders" ("reference");
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_reference_unique" UNIQUE USING INDEX "orders_reference_idx";
