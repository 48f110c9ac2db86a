-- expect: adding-required-column
ALTER TABLE "orders" ADD COLUMN "currency" char(3) DEFAULT NULL NOT NULL;
