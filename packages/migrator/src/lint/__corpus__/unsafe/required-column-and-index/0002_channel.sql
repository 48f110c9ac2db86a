-- expect: adding-required-column, creating-index-non-concurrently
-- history: 0000_init.sql, 0001_orders.sql
ALTER TABLE "orders" ADD COLUMN "channel" varchar(20) NOT NULL;
--> statement-breakpoint
CREATE INDEX "orders_channel_idx" ON "orders" USING btree ("channel");
