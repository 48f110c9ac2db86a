-- expect: changing-column-type
ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE numeric(12, 4);
