-- expect: changing-column-type
ALTER TABLE "orders" ALTER COLUMN "quantity" SET DATA TYPE bigint;
