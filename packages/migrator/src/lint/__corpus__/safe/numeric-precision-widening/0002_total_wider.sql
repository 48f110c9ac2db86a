-- expect: none
ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE numeric(14, 2);
