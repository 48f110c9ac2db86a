-- expect: unused-ignore, creating-index-non-concurrently
-- sdk-lint-ignore creating-index-non-concurrently: orders is small
ALTER TABLE "orders" ADD COLUMN "gift_note" text;
--> statement-breakpoint
CREATE INDEX "orders_gift_note_idx" ON "orders" USING btree ("gift_note");
