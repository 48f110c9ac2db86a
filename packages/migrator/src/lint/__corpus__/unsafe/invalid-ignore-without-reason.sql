-- expect: invalid-ignore, creating-index-non-concurrently
-- sdk-lint-ignore creating-index-non-concurrently
CREATE INDEX "orders_note_idx" ON "orders" USING btree ("note");
