-- expect: adding-required-column, creating-index-non-concurrently
ALTER TABLE "orders" ADD COLUMN "channel" varchar(20) NOT NULL;
--> statement-breakpoint
CREATE INDEX "orders_channel_idx" ON "orders" USING btree ("channel");
