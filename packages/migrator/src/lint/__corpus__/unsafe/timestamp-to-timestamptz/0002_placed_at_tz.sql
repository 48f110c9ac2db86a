-- expect: changing-column-type
ALTER TABLE "orders" ALTER COLUMN "placed_at" SET DATA TYPE timestamp with time zone;
