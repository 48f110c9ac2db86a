-- expect: adding-serial-column
ALTER TABLE "invoices" ADD COLUMN "number" serial NOT NULL;
