-- expect: unused-ignore
-- sdk-lint-ignore creating-index-non-concurrently: orders is small
CREATE INDEX CONCURRENTLY "orders_note_idx" ON "orders" USING btree ("note");
