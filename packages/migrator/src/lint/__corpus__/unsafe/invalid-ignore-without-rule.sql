-- expect: invalid-ignore
-- sdk-lint-ignore: nullable column, instant
ALTER TABLE "orders" ADD COLUMN "gift_note" text;
