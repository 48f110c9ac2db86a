-- expect: none
ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE text;
